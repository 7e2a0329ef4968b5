import type { RelationCatalog } from "@sluice/sql/column-lineage";
import type { ParsedStatements, StatementFacts, TableRef } from "@sluice/sql/facts";
import type { CodeUncertainty } from "./code-freshness";
import { builtin, checkBuiltins, checkReadOnly } from "./engine-defaults";
import { checkGuardrails, checkTableAllowList, denied, describe, reviewMatch } from "./engine-rules";
import type { ForeignKeyCascades } from "./foreign-key-cascades";
import type { GeneratedColumns } from "./generated-columns";
import type { OwnerWrites } from "./owner-writes";
import { candidateNames } from "./patterns";
import type { ConnectionPolicy } from "./rules";
import type { NewTables } from "./transaction-tables";
import type { UpstreamCode } from "./upstream-code";
import type { ViewReads } from "./view-reads";

/** The engine's answer. `review` becomes a hold where approvals exist, a denial where they do not. */
export type PolicyVerdict =
  | { kind: "allow" }
  | { kind: "deny"; rule: string; message: string; hint?: string }
  | { kind: "review"; rule: string; reviewerGroups: string[]; message: string };

/** What the engine knows of the session beyond the statement: set by earlier statements. */
export type SessionContext = {
  /** Every schema the session's search_path has held, in order of first appearance. */
  searchPath: readonly string[];
  /**
   * Schemas on the path only by default (`$user`): usually absent, so an allow-list does not
   * require them; a deny rule still considers them.
   */
  implicitSchemas: ReadonlySet<string>;
  /** Facts of statements PREPAREd in this session (SQL-level PREPARE), by name. */
  prepared: ReadonlyMap<string, StatementFacts[]>;
  /**
   * Unqualified names resolved the way the server will resolve them (name → schema), from the
   * upstream's catalog and its reported search_path; names absent here keep every candidate.
   */
  resolved?: ReadonlyMap<string, string>;
  /**
   * Bare `pg_…` names this session may have given its own relations (CREATE TEMP VIEW pg_am …),
   * which the server then reads in place of pg_catalog's (its temporary schema is searched first);
   * `*` once it renamed a relation (to a name Sluice does not read). See isServersOwnRelation.
   */
  shadowingNames?: ReadonlySet<string>;
  /** A statement of this session set search_path to a computed value (where pg_catalog falls is unknown). */
  isPathComputed?: boolean;
  /**
   * The upstream's relations and their columns, so column rules follow references the way the
   * server resolves them; absent, relations keep their names but not their columns (fail closed).
   */
  columns?: RelationCatalog;
  /**
   * The upstream's generated columns, so a rule on a column also matches the columns computed from
   * it; absent when the front end has no catalog (then only the named column matches).
   */
  generated?: GeneratedColumns;
  /** What the upstream's views read, so a column rule matches a read through a view. */
  viewReads?: ViewReads;
  /**
   * `schema.table` → the other relations of its inheritance family (parents, children,
   * partitions), whose rows are its rows too: a TABLE rule on one covers them all.
   */
  families?: ReadonlyMap<string, readonly string[]>;
  /**
   * Plain tables this session's open transaction created, which the catalog cannot show: a row
   * write to one is followed no further (it reaches nothing else) rather than refused (see
   * transaction-tables.ts).
   */
  newTables?: NewTables;
  /** Tables a write changes through foreign keys' cascades: a TABLE rule on writes covers them. */
  cascades?: ForeignKeyCascades;
  /** Tables the triggers a write fires write in turn (MySQL): a TABLE rule on writes covers them. */
  ownerWrites?: OwnerWrites;
  /**
   * Set (to why) when the front end reads a catalog but holds none: any relation written may be a
   * view over, or have foreign keys cascading into, any table, so a TABLE rule on writes refuses
   * every write (see write-reach.ts).
   */
  catalogUnreadBecause?: string;
  /**
   * Code the upstream runs without a statement naming it (triggers, shadowing functions, user
   * casts), as last read from its catalog; absent when unknown.
   */
  upstreamCode?: UpstreamCode;
  /**
   * Code this session may have changed that `upstreamCode` cannot show yet (see code-freshness.ts):
   * `relations`, what statements touch runs other code; `routines`, names may call other code too.
   */
  codeUncertainty?: CodeUncertainty;
  /**
   * Bare names of relations this session (or an earlier statement of the message) may have
   * changed where the catalog cannot show it yet, `*` for any (uncommitted-relations.ts): the
   * catalog's word on them proves nothing, so a row write to one under a TABLE rule on writes
   * cannot be followed (write-reach.ts).
   */
  relationsChanged?: ReadonlySet<string>;
};

/**
 * The names a TABLE rule is matched against: every name the relation may have (see namesFor) and
 * every relation of its inheritance family. A partition's or child's rows are rows of its parent,
 * and a parent's read or write reaches its children's rows, so `DELETE FROM orders_2024 …` is a
 * write to orders and `SELECT * FROM secrets_child` a read of secrets.
 */
export function familyNamesFor(table: TableRef, session: SessionContext): string[] {
  const names = namesFor(table, session);
  const families = session.families;
  if (!families || families.size === 0) return names;
  return [...new Set([...names, ...names.flatMap((name) => families.get(name) ?? [])])];
}

/** Where the server finds a relation: the resolved schema (and the session's own temp schema), or every candidate. */
export function namesFor(table: TableRef, session: SessionContext): string[] {
  const schema = table.schema === null ? session.resolved?.get(table.name) : undefined;
  if (schema === undefined) return candidateNames(table, session.searchPath);
  // Which pg_temp_N is the session's own is not visible from outside: a temp table stays a candidate.
  return schema === "pg_temp"
    ? [`pg_temp.${table.name}`]
    : [`pg_temp.${table.name}`, `${schema}.${table.name}`];
}

const ALLOW = { kind: "allow" } as const;

/** PREPAREs of one name the session may send before a DEALLOCATE (the server keeps the first). */
const MAX_DEFINITIONS_PER_NAME = 8;

/**
 * A pure function of (policy, facts, session) to a verdict. Every denial names its rule and says,
 * in words an agent can act on, what was refused and why. The first statement refused refuses the
 * whole message: nothing of it reaches the database.
 */
export function evaluate(
  policy: ConnectionPolicy,
  parsed: ParsedStatements,
  session: SessionContext,
): PolicyVerdict {
  if (policy.invalidRules !== undefined) {
    return builtin(
      policy,
      "sluice:invalid-policy",
      `the connection's rules cannot be read (${policy.invalidRules}), so nothing is judged and everything is refused; an admin must fix or delete the rule`,
    );
  }
  if (!parsed.ok) {
    return builtin(
      policy,
      "sluice:parse-error",
      `the statement could not be parsed (${parsed.error}); nothing was run`,
    );
  }
  if (parsed.statements.length === 0) return ALLOW;
  const multi = policy.guardrails.find((rule) => rule.kind === "MULTI_STATEMENT" && rule.effect === "DENY");
  if (multi && parsed.statements.length > 1) {
    return denied(
      policy,
      multi,
      `the message holds ${parsed.statements.length} statements; send one at a time`,
    );
  }
  let review: PolicyVerdict | null = null;
  for (const facts of parsed.statements) {
    const verdict = judgeStatement(policy, facts, session, 0);
    if (verdict.kind === "deny") return verdict;
    if (verdict.kind === "review") review ??= verdict;
  }
  return review ?? ALLOW;
}

function judgeStatement(
  policy: ConnectionPolicy,
  facts: StatementFacts,
  session: SessionContext,
  depth: number,
): PolicyVerdict {
  // The connection's own rules speak first (their messages say what to do instead); the built-in
  // defaults are the safety net for everything no rule mentions.
  const refusal =
    checkGuardrails(policy, facts, session) ??
    checkReadOnly(policy, facts) ??
    checkBuiltins(policy, facts, session) ??
    checkPrepared(policy, facts, session, depth) ??
    checkTableAllowList(policy, facts, session);
  if (refusal) return refusal;
  for (const review of policy.reviews) {
    const match = reviewMatch(review, facts, session);
    if (!match) continue;
    return {
      kind: "review",
      rule: review.name,
      reviewerGroups: review.reviewerGroups,
      message: `${describe(facts)} needs approval under review rule "${review.name}" on connection ${policy.connectionName} (reviewers: ${review.reviewerGroups.join(", ") || "none"})${match.why ? `: ${match.why}` : ""}`,
    };
  }
  return ALLOW;
}

function checkPrepared(
  policy: ConnectionPolicy,
  facts: StatementFacts,
  session: SessionContext,
  depth: number,
): PolicyVerdict | null {
  if (facts.kind === "PREPARE" && facts.preparedName !== undefined) {
    // Each PREPARE of a name stays a candidate until DEALLOCATE: a bound on what an agent can pile up.
    if ((session.prepared.get(facts.preparedName)?.length ?? 0) >= MAX_DEFINITIONS_PER_NAME) {
      return builtin(
        policy,
        "sluice:unknown-prepared",
        `PREPARE ${facts.preparedName} again without DEALLOCATE ${facts.preparedName}`,
      );
    }
    return null;
  }
  if (facts.kind !== "EXECUTE" || facts.preparedName === undefined) return null;
  const prepared = session.prepared.get(facts.preparedName);
  if (!prepared || depth > 0) {
    return builtin(
      policy,
      "sluice:unknown-prepared",
      `EXECUTE ${facts.preparedName} runs a statement this session did not PREPARE through Sluice`,
    );
  }
  // Judged again at every EXECUTE, so a policy change applies to statements prepared before it.
  for (const inner of prepared) {
    const verdict = judgeStatement(policy, inner, session, depth + 1);
    if (verdict.kind !== "allow") return verdict;
  }
  return null;
}
