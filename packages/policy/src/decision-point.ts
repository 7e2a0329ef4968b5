import type { RelationCatalog } from "@sluice/sql/column-lineage";
import type { StatementFacts } from "@sluice/sql/facts";
import {
  type CatalogSnapshot,
  isKnownRelation,
  isSystemRelation,
  namesOnlyCatalog,
  relationCatalog,
} from "./column-catalog";
import { evaluate, type PolicyVerdict, type SessionContext } from "./engine";
import type { FactsCache } from "./facts-cache";
import {
  applicableSelectors,
  hasContentRules,
  maskedColumnAsOracle,
  maskedDataLeak,
  maskedTablesRead,
  provablyCleanOutputs,
  unscannedCopy,
} from "./masking-scope";
import { candidateNames } from "./patterns";
import { placeholderDenial, placeholderParamCheck, placeholderWriteBack } from "./placeholder-write";
import type { ConnectionPolicy } from "./rules";
import { type RelationLookup, relationSearchOrder, resolveRelation } from "./search-path";
import { PolicySessionState } from "./session-state";
import { judgeStartupSettings } from "./startup-verdict";
import { mayRunUnjudgedCode } from "./unjudged-code";
import {
  ALLOW as ALLOW_VERDICT,
  type DecisionPoint,
  type Identity,
  type SessionDecisions,
  type StatementRequest,
  type UpstreamAccess,
  type Verdict,
} from "./verdict";

/** Where the decision point reads policy: the gateway's live store, or a snapshot (the console's try box). */
export type PolicySource = {
  readonly version: number;
  get: (connectionId: string) => ConnectionPolicy | undefined;
  reload: () => Promise<void>;
};

export type PolicyDecisionOptions = {
  policies: PolicySource;
  facts: FactsCache;
  /** The upstream login of a connection, which `$user` in search_path stands for. */
  upstreamUser: (connectionId: string) => string;
  /** Where review verdicts go to wait for a human; absent, they are refused (fail closed). */
  reviews?: ReviewBroker;
};

/** A statement a review rule matched, with everything a reviewer is shown and what runs on approval. */
export type ReviewRequest = {
  identity: Identity;
  sql: string;
  rule: string;
  reviewerGroups: readonly string[];
  /** The engine's words for why review is needed. */
  message: string;
  touches: { kinds: string[]; tables: string[]; columns: string[] };
  /** The verdict the statement gets once approved (its masking scope included). */
  onApproval: Extract<Verdict, { kind: "allow" }>;
};

/** Turns a review verdict into allow (a grant covers it), deny (non-blocking, refused) or hold. */
export type ReviewBroker = { request: (request: ReviewRequest) => Promise<Verdict> };

/**
 * The decision point the gateway (and the console's try box) asks: statement → facts (cached) → the pure engine, with per-session
 * state. Review verdicts are refused until the approvals issue can hold them: fail closed.
 */
export function createPolicyDecisionPoint(options: PolicyDecisionOptions): DecisionPoint {
  return {
    openSession(identity: Identity, upstream?: UpstreamAccess): SessionDecisions {
      const state = new PolicySessionState(upstream?.login ?? options.upstreamUser(identity.connectionId));
      state.absorbStartupSettings(upstream?.startupSettings ?? []);
      /** What the session's SQL cursors read, for the FETCHes that return their rows later. */
      const cursors = { maskedTables: new Set<string>(), relations: new Map<string, string[]>() };
      let cachedColumns:
        | {
            snapshot: CatalogSnapshot;
            key: string;
            resolved: ReadonlyMap<string, string> | undefined;
            catalog: RelationCatalog;
          }
        | undefined;
      return {
        // Both only grow, so their sum changes whenever either does.
        version: () => options.policies.version + state.resolutionEpoch,
        decide: (statement) => {
          const policy = options.policies.get(identity.connectionId);
          if (!policy) return options.policies.reload().then(() => decideWith(statement));
          return decideWith(statement);
        },
        observeSetting: (name, value) => state.observeSetting(name, value),
        judgeStartup: () => {
          const settings = upstream?.startupSettings ?? [];
          const judge = () => {
            const policy = options.policies.get(identity.connectionId);
            if (!policy) return NO_POLICY_AT_CONNECT;
            return judgeStartupSettings(policy, settings, (sql) => options.facts.parse(sql), state);
          };
          if (settings.length === 0) return ALLOW_VERDICT;
          return options.policies.get(identity.connectionId)
            ? judge()
            : options.policies.reload().then(judge);
        },
      };

      function decideWith(statement: StatementRequest): Verdict | Promise<Verdict> {
        const policy = options.policies.get(identity.connectionId);
        if (!policy) {
          return {
            kind: "deny",
            rule: "sluice:no-policy",
            message: `no policy is loaded for connection ${identity.connectionName}`,
          };
        }
        const parsed = options.facts.parse(statement.sql);
        const movesPath = state.absorbPathChanges(parsed);
        const catalogs = upstream?.columns;
        if (catalogs && parsed.ok) {
          const snapshot = catalogs.current();
          // Read once before the first statement: it says what code statements run unseen. A
          // relation created since the catalog was read (a temp table of this session) would be
          // unknown, so masked whole: read the catalog again first, when the server would see it too.
          const isStale =
            snapshot === null ||
            (followsColumns(policy) &&
              statement.isUpstreamSettled === true &&
              readsUnknownRelation(parsed.statements, snapshot, state));
          if (isStale) {
            const judge = () => judgeParsed(policy, statement, parsed, movesPath);
            return catalogs.refresh().then(judge, judge);
          }
        }
        return judgeParsed(policy, statement, parsed, movesPath);
      }

      /** The session as the engine sees it, with the upstream's columns when they are known. */
      function withColumns(base: SessionContext): SessionContext {
        const columns = columnsFor(base);
        const code = upstream?.columns?.current()?.code;
        return columns || code
          ? {
              searchPath: base.searchPath,
              implicitSchemas: base.implicitSchemas,
              prepared: base.prepared,
              ...(base.resolved ? { resolved: base.resolved } : {}),
              ...(base.isPathComputed ? { isPathComputed: true } : {}),
              ...(columns ? { columns } : {}),
              ...(code ? { upstreamCode: code } : {}),
            }
          : base;
      }

      /** One catalog view per snapshot and search path, so lineage resolved once is reused. */
      function columnsFor(base: SessionContext): RelationCatalog | undefined {
        const snapshot = upstream?.columns?.current() ?? null;
        if (!snapshot) return undefined;
        const key = base.searchPath.join("\u0000");
        if (
          cachedColumns?.snapshot !== snapshot ||
          cachedColumns.key !== key ||
          cachedColumns.resolved !== base.resolved
        ) {
          cachedColumns = {
            snapshot,
            key,
            resolved: base.resolved,
            catalog: relationCatalog(snapshot, base),
          };
        }
        return cachedColumns.catalog;
      }

      function judgeParsed(
        policy: ConnectionPolicy,
        statement: StatementRequest,
        parsed: ReturnType<FactsCache["parse"]>,
        movesPath: boolean,
      ): Verdict | Promise<Verdict> {
        const judged = evaluate(policy, parsed, withColumns(state));
        const lookup = upstream?.lookupRelations;
        const path = state.reportedPath;
        // Judged over every schema a name could resolve to, a statement is refused when any of them
        // is; where the server's own answer is knowable, only a refusal is worth the catalog read.
        if (judged.kind !== "allow" && lookup && path && statement.isUpstreamSettled && !movesPath) {
          const names = resolvableNames(parsed, state, statement.via);
          if (names.length > 0) {
            return resolveNames(names, path, lookup, state.login).then(
              (resolved) => {
                if (!resolved) return afterJudged(policy, statement.sql, parsed, judged);
                const rejudged = evaluate(policy, parsed, withColumns(state.resolvedAs(resolved)));
                // A review would run the statement later, when the catalog may have moved: only an
                // allow (or a refusal) rests on the names as they resolve now.
                if (rejudged.kind === "review") return afterJudged(policy, statement.sql, parsed, judged);
                const verdict = afterJudged(policy, statement.sql, parsed, rejudged);
                // Its allow holds for the catalog as it is now: a prepared statement is judged again per run.
                return verdict instanceof Promise ? verdict.then(perRun) : perRun(verdict);
              },
              () => afterJudged(policy, statement.sql, parsed, judged),
            );
          }
        }
        return afterJudged(policy, statement.sql, parsed, judged);
      }

      function afterJudged(
        policy: ConnectionPolicy,
        sql: string,
        parsed: ReturnType<FactsCache["parse"]>,
        judged: PolicyVerdict,
      ): Verdict | Promise<Verdict> {
        if (judged.kind === "deny") return parsed.ok ? toGatewayVerdict(judged) : syntaxError(judged, parsed);
        const writeBack = policy.masking?.length ? placeholderWriteBack(sql, parsed) : null;
        if (writeBack) return placeholderDenial(policy.connectionName, writeBack);
        const allowed = withUnjudgedCode(allowWithMasking(policy, parsed), parsed);
        if (judged.kind === "allow" || allowed.kind !== "allow") return allowed;
        if (!options.reviews) return toGatewayVerdict(judged);
        return options.reviews.request({
          identity,
          sql,
          rule: judged.rule,
          reviewerGroups: judged.reviewerGroups,
          message: judged.message,
          touches: touchesOf(parsed),
          onApproval: allowed,
        });
      }

      /** An allow for a statement that may run code nobody judged says so: the relay holds what follows. */
      function withUnjudgedCode(verdict: Verdict, parsed: ReturnType<FactsCache["parse"]>): Verdict {
        if (verdict.kind !== "allow" || !parsed.ok) return verdict;
        if (!mayRunUnjudgedCode(parsed.statements, withColumns(state))) return verdict;
        return { ...verdict, mayRunUnjudgedCode: true };
      }

      /** The allow verdict with its masking scope, or a denial when masking could not follow the values. */
      function allowWithMasking(policy: ConnectionPolicy, parsed: ReturnType<FactsCache["parse"]>): Verdict {
        if (!parsed.ok) return ALLOW_VERDICT;
        if (!policy.masking?.length) {
          state.afterAllowed(parsed);
          // Relations still go along: sessions list the tables they touched.
          return { kind: "allow", relations: relationsTouched(parsed.statements, state.searchPath) };
        }
        // EXECUTE runs what was PREPAREd: its tables are in scope as if named here.
        const statements = parsed.statements.flatMap((facts) =>
          facts.kind === "EXECUTE" && facts.preparedName !== undefined
            ? [facts, ...(state.prepared.get(facts.preparedName) ?? [])]
            : [facts],
        );
        // Relations go with the verdict so masking can also count views over masked tables.
        let relations = relationsTouched(statements, state.searchPath);
        const selectors = applicableSelectors(policy, identity.groups);
        let maskedTables = maskedTablesRead(selectors, statements, state.searchPath);
        const columns = columnsFor(state) ?? namesOnlyCatalog(state);
        const leak =
          maskedTables.length > 0
            ? maskedDataLeak(selectors, statements, maskedTables, columns)
            : hasContentRules(policy, identity.groups)
              ? unscannedCopy(statements)
              : null;
        const oracle =
          policy.isStrictMasking && maskedTables.length > 0
            ? maskedColumnAsOracle(selectors, statements, columns)
            : null;
        if (oracle) {
          return {
            kind: "deny",
            rule: "sluice:strict-masking",
            message: `blocked by Sluice default "sluice:strict-masking" on connection ${policy.connectionName}: ${oracle}`,
            hint: "select masked columns only to read them; filter, join, sort and group on other columns",
          };
        }
        if (leak) {
          return {
            kind: "deny",
            rule: "sluice:unmaskable-channel",
            message: `blocked by Sluice default "sluice:unmaskable-channel" on connection ${policy.connectionName}: ${leak}`,
            hint: "read masked columns with a plain SELECT; the gateway masks them on the way out",
          };
        }
        state.afterAllowed(parsed);
        if (statements.some((facts) => facts.kinds.includes("DECLARE"))) {
          for (const table of maskedTables) cursors.maskedTables.add(table);
          for (const relation of relations) cursors.relations.set(relation.join(" "), relation);
        }
        // FETCH returns a cursor's rows with none of its tables named: every cursor's scope comes along.
        if (statements.some((facts) => facts.kinds.includes("FETCH") || facts.kinds.includes("MOVE"))) {
          maskedTables = [...new Set([...maskedTables, ...cursors.maskedTables])];
          relations = [...relations, ...cursors.relations.values()];
        }
        const cleanOutputs = provablyCleanOutputs(selectors, parsed.statements, columns);
        // A write's parameters arrive only at Bind: they are checked there for placeholders too.
        const isWrite = parsed.statements.some((facts) => facts.tablesWritten.length > 0);
        return {
          kind: "allow",
          maskedTables,
          relations,
          ...(cleanOutputs ? { cleanOutputs } : {}),
          ...(isWrite ? { checkParams: placeholderParamCheck(policy.connectionName) } : {}),
        };
      }
    },
  };
}

/**
 * Each unqualified name to the schema the server resolves it to, per the upstream's catalog now;
 * null when the side connection is not the role the session logged in as (a role set by default
 * for the login), since `$user` and schema privileges follow the role.
 */
async function resolveNames(
  names: readonly string[],
  path: readonly string[],
  lookup: RelationLookup,
  login: string,
): Promise<Map<string, string> | null> {
  const { role, holders } = await lookup(names);
  if (role !== login) return null;
  const order = relationSearchOrder(path);
  const resolved = new Map<string, string>();
  for (const name of names) {
    const schema = resolveRelation(name, order, holders);
    // Nowhere on the path (created in this very message, say): every candidate stays.
    if (schema !== null) resolved.set(name, schema);
  }
  return resolved;
}

/**
 * Statement kinds whose names are looked up as the statement is analysed, before anything of it
 * runs. A message of several statements is never resolved: an earlier one (a DROP, a function that
 * moves the path) changes what the later ones find.
 */
const RESOLVABLE_KINDS = new Set([
  "SELECT",
  "INSERT",
  "UPDATE",
  "DELETE",
  "MERGE",
  "COPY",
  "EXPLAIN",
  "EXECUTE",
  "PREPARE",
  "DECLARE",
]);

/**
 * Of those, the kinds the server analyses at Parse (taking its locks until Sync). COPY, PREPARE and
 * EXECUTE are utility statements that look their names up only at Execute, which is not judged.
 */
const PARSE_ANALYSED_KINDS = new Set(["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "EXPLAIN", "DECLARE"]);

/**
 * Unqualified names the statement only reads (with those of the PREPAREd statement it EXECUTEs).
 * A name it writes is never resolved: a relation it creates goes to the first schema on the path
 * that exists, not to the one that already holds the name.
 */
function resolvableNames(
  parsed: ReturnType<FactsCache["parse"]>,
  state: PolicySessionState,
  via: StatementRequest["via"],
): string[] {
  if (!parsed.ok || parsed.statements.length !== 1) return [];
  const kinds = via === "parse" ? PARSE_ANALYSED_KINDS : RESOLVABLE_KINDS;
  const statements = parsed.statements.flatMap((facts) =>
    facts.kind === "EXECUTE" && facts.preparedName !== undefined
      ? [facts, ...(state.prepared.get(facts.preparedName) ?? [])]
      : [facts],
  );
  if (!statements.every((facts) => facts.kinds.every((kind) => kinds.has(kind)))) return [];
  const written = new Set(statements.flatMap((facts) => facts.tablesWritten.map((table) => table.name)));
  const names = new Set<string>();
  for (const facts of statements) {
    for (const table of facts.tablesRead) {
      if (table.schema === null && !written.has(table.name)) names.add(table.name);
    }
  }
  return [...names];
}

function perRun(verdict: Verdict): Verdict {
  return verdict.kind === "allow" ? { ...verdict, isJudgedPerRun: true } : verdict;
}

/** What a reviewer is shown a statement touches. */
function touchesOf(parsed: ReturnType<FactsCache["parse"]>): ReviewRequest["touches"] {
  if (!parsed.ok) return { kinds: [], tables: [], columns: [] };
  const name = (table: { schema: string | null; name: string }) =>
    table.schema ? `${table.schema}.${table.name}` : table.name;
  const unique = (values: string[]) => [...new Set(values)];
  return {
    kinds: unique(parsed.statements.flatMap((facts) => facts.kinds)),
    tables: unique(
      parsed.statements.flatMap((facts) => [...facts.tablesRead, ...facts.tablesWritten].map(name)),
    ),
    columns: unique(parsed.statements.flatMap((facts) => facts.columns)),
  };
}

/**
 * What PostgreSQL's parser rejects is answered as the server answers it (42601, its message and
 * position), so clients and agents read an ordinary syntax error; the hint says Sluice refused it.
 */
function syntaxError(
  judged: Extract<PolicyVerdict, { kind: "deny" }>,
  parsed: Extract<ReturnType<FactsCache["parse"]>, { ok: false }>,
): Verdict {
  return {
    kind: "deny",
    rule: judged.rule,
    message: parsed.error,
    hint: `refused by Sluice default "${judged.rule}": nothing PostgreSQL's parser rejects is run`,
    code: "42601",
    // libpg-query counts from 0; the server's Position counts characters from 1.
    ...(parsed.position === null ? {} : { position: parsed.position + 1 }),
  };
}

const NO_POLICY_AT_CONNECT: Verdict = Object.freeze({
  kind: "deny",
  rule: "sluice:no-policy",
  message: "no policy is loaded for this connection, so its startup settings cannot be judged",
});

function toGatewayVerdict(verdict: PolicyVerdict): Verdict {
  switch (verdict.kind) {
    case "allow":
      return verdict;
    case "deny":
      return verdict.hint
        ? { kind: "deny", rule: verdict.rule, message: verdict.message, hint: verdict.hint }
        : { kind: "deny", rule: verdict.rule, message: verdict.message };
    case "review":
      return {
        kind: "deny",
        rule: verdict.rule,
        message: `${verdict.message}; this gateway cannot hold statements for approval yet, so it was refused`,
      };
  }
}

function relationsTouched(statements: StatementFacts[], searchPath: readonly string[]): string[][] {
  const tables = statements.flatMap((facts) => [...facts.tablesRead, ...facts.tablesWritten]);
  return tables.map((table) => candidateNames(table, searchPath));
}

/** Rules that follow columns: masking by column, review and guardrail rules that name columns. */
function followsColumns(policy: ConnectionPolicy): boolean {
  return (
    (policy.masking ?? []).some((rule) => rule.selector !== null) ||
    policy.reviews.some((rule) => rule.match.columns !== undefined) ||
    policy.guardrails.some((rule) => rule.kind === "COLUMN")
  );
}

/**
 * A relation the statements read that the catalog does not hold (system relations aside). Only
 * reads count: a write's lineage is judged by what it reads, and CREATE would always miss.
 */
function readsUnknownRelation(
  statements: StatementFacts[],
  snapshot: CatalogSnapshot,
  session: SessionContext,
): boolean {
  return statements.some((facts) =>
    facts.tablesRead.some(
      (table) =>
        !isSystemRelation(table) &&
        // Statistics are left out of the catalog read too: reading it again would not find them.
        !table.name.startsWith("pg_stat") &&
        !isKnownRelation(snapshot, table, session),
    ),
  );
}
