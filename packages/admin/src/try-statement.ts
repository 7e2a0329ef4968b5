import { loadPolicies } from "@sluice/db/policy/load-policies";
import { connectionSecretAad } from "@sluice/db/seed/create-connection";
import { followedColumnsOf } from "@sluice/mysql-session/followed-columns";
import { parseMySql } from "@sluice/mysql-sql/parse";
import { createPolicyDecisionPoint, type ReviewRequest } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import type { Verdict } from "@sluice/policy/verdict";
import { decryptSecret } from "@sluice/secrets/secret-box";
import { loadParser } from "@sluice/sql/parser";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { AdminError, parseInput } from "./admin-error";
import { describeReviewOutcome } from "./describe-review-outcome";
import { brokeredLogin } from "./open-upstream";
import { assertCan } from "./permissions";
import { createTryCatalog } from "./try-catalog";
import { createTryMySqlCatalog } from "./try-mysql-catalog";
import { tryMySqlOwnerCode } from "./try-mysql-owner-code";
import { createTryNames } from "./try-session-names";

export const ZTryStatementInput = z.object({
  connectionId: z.string().min(1, "pick a connection"),
  /** Judge as this agent (its groups decide masking exemptions); absent: an agent in no group. */
  agentId: z.string().min(1).optional().nullable(),
  statement: z.string().min(1, "type a statement").max(100_000, "at most 100,000 characters"),
});

/**
 * The verdict the gateway would give a statement now, from the same decision point and the policy
 * as stored: allow (and which tables it masks), deny with the rule and the agent-facing message, or
 * hold for review (which rule, which reviewer groups, blocking or not). It reads the upstream's
 * catalog as the gateway does (Postgres: what a write's triggers run, which functions are the
 * owner's; MySQL: the generated columns and views review and COLUMN rules follow, and the triggers
 * and computed columns a masked write runs, judged as the MySQL relay judges them after an allow);
 * nothing else is sent upstream, and no review is filed.
 */
export async function tryStatement(context: AdminContext, options: { input: unknown }) {
  assertCan(context.actor, "policy:read");
  const input = parseInput(ZTryStatementInput, options.input);
  const [connection, agent] = await Promise.all([
    context.db.connection.findUnique({ where: { id: input.connectionId } }),
    input.agentId
      ? context.db.agent.findUnique({
          where: { id: input.agentId },
          include: { memberships: { include: { group: true } } },
        })
      : null,
  ]);
  if (!connection)
    throw new AdminError("invalid", "some fields need attention", { connectionId: "no such connection" });
  if (input.agentId && !agent)
    throw new AdminError("invalid", "some fields need attention", { agentId: "no such agent" });
  await loadParser();
  const loaded = await loadPolicies(context.db);
  // Each data path reads statements with its own server's grammar.
  const facts =
    connection.type === "MYSQL"
      ? new FactsCache({ parseStatements: parseMySql, normalize: null })
      : new FactsCache();
  // The gateway hands a review verdict to its broker; this one only remembers what it was asked,
  // so the answer below is the gateway's own decision with nothing held or stored.
  const asked: { review?: ReviewRequest } = {};
  // MySQL's catalog is read once, when the decision point follows columns (generated columns,
  // views) and for the owner-code check its relay makes after the verdict.
  const mysqlCatalog =
    connection.type === "MYSQL"
      ? createTryMySqlCatalog(
          connection,
          connection.passwordCipher
            ? decryptSecret(connection.passwordCipher, context.secretKey, connectionSecretAad(connection.id))
            : null,
        )
      : null;
  const catalog =
    connection.type === "POSTGRES"
      ? createTryCatalog(() => brokeredLogin(connection, context.secretKey))
      : null;
  // Unqualified names resolve where a session of this connection would find them (its path as the
  // upstream reports it at login), not under the server's built-in default path.
  const names =
    connection.type === "POSTGRES"
      ? createTryNames(() => brokeredLogin(connection, context.secretKey))
      : null;
  const decisions = createPolicyDecisionPoint({
    policies: { version: 0, get: (id) => loaded.policies.get(id), reload: async () => {} },
    facts,
    upstreamUser: (id) => loaded.upstreamUsers.get(id) ?? "public",
    reviews: {
      request: async (request) => {
        asked.review = request;
        return { kind: "hold", rule: request.rule, message: request.message, release: new Promise(() => {}) };
      },
    },
  }).openSession(
    {
      agentId: agent?.id ?? "try",
      agentName: agent?.name ?? "(any agent)",
      groups: agent?.memberships.map((link) => link.group.name) ?? [],
      connectionId: connection.id,
      connectionName: connection.name,
      sessionId: "try",
    },
    catalog && names
      ? { login: connection.username, columns: catalog.access, lookupRelations: names.lookupRelations }
      : mysqlCatalog
        ? {
            login: connection.username,
            // As the gateway's MySQL listener opens a session: the connection's database is the path.
            startupSettings: [{ name: "search_path", value: connection.database }],
            followed: async () => followedColumnsOf(await mysqlCatalog.read()),
          }
        : undefined,
  );
  const parsed = facts.parse(input.statement);
  let verdict: Verdict;
  try {
    // A statement naming an unqualified relation needs both the path and the catalog: read together,
    // so an upstream that never answers costs one bound, not two.
    const [startingPath] =
      names && catalog && namesUnqualifiedRelation(parsed)
        ? await Promise.all([names.startingPath(), catalog.access.refresh().catch(() => null)])
        : [null];
    if (startingPath != null) decisions.observeSetting?.("search_path", startingPath);
    // A first statement of a fresh session: nothing sent before it is still running.
    verdict = await decisions.decide({ sql: input.statement, via: "simple", isUpstreamSettled: true });
  } finally {
    await names?.close();
  }
  // MySQL's owner-code check runs in its relay after the decision point's allow: asked the same way.
  if (mysqlCatalog && verdict.kind === "allow" && !asked.review) {
    const ownerCode = await tryMySqlOwnerCode({
      catalog: mysqlCatalog,
      policy: loaded.policies.get(connection.id),
      groups: agent?.memberships.map((link) => link.group.name) ?? [],
      statement: input.statement,
    });
    if (ownerCode) verdict = ownerCode;
  }
  const catalogProblem = catalog?.problem() ?? mysqlCatalog?.problem() ?? null;
  return {
    verdict: asked.review
      ? await describeReviewOutcome(
          context,
          {
            rule: asked.review.rule,
            connectionId: asked.review.identity.connectionId,
            reviewerGroups: asked.review.reviewerGroups,
            message: asked.review.message,
            maskedTables: asked.review.onApproval.maskedTables ?? [],
          },
          agent?.id ?? null,
        )
      : describeVerdict(verdict),
    facts: parsed.ok
      ? parsed.statements.map((statement) => ({
          kind: statement.kind,
          kinds: statement.kinds,
          tablesRead: statement.tablesRead.map((table) =>
            table.schema ? `${table.schema}.${table.name}` : table.name,
          ),
          tablesWritten: statement.tablesWritten.map((table) =>
            table.schema ? `${table.schema}.${table.name}` : table.name,
          ),
          functions: statement.functions,
        }))
      : { parseError: parsed.error },
    /** Set when the verdict was given without the upstream's catalog because the console could not read it. */
    catalogProblem: catalogProblem
      ? `The console could not read the upstream's catalog (${catalogProblem}), so this is the fail-closed verdict the gateway gives without it; the gateway, reading it, may judge otherwise.`
      : null,
  };
}

function describeVerdict(verdict: Verdict) {
  switch (verdict.kind) {
    case "allow":
      return { kind: "allow" as const, maskedTables: [...(verdict.maskedTables ?? [])] };
    case "deny":
      return {
        kind: "deny" as const,
        rule: verdict.rule,
        message: verdict.message,
        hint: verdict.hint ?? null,
      };
    case "hold":
      // Only the broker holds, and the try's broker is the one above: no other hold reaches here.
      throw new Error(`unexpected hold by ${verdict.rule}`);
  }
}

function namesUnqualifiedRelation(parsed: ReturnType<FactsCache["parse"]>): boolean {
  return (
    parsed.ok &&
    parsed.statements.some((statement) =>
      [...statement.tablesRead, ...statement.tablesWritten].some((table) => table.schema === null),
    )
  );
}
