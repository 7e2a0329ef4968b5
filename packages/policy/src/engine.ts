import { type ColumnSource, type RelationCatalog, resolveLineage } from "@sluice/sql/column-lineage";
import type { ParsedStatements, StatementFacts, TableRef } from "@sluice/sql/facts";
import { kindCovers, normalizeKindName } from "@sluice/sql/statement-kinds";
import {
  PRIVILEGE_SETTINGS,
  PRIVILEGED_KINDS,
  QUERY_TEXT_RELATIONS,
  READ_ONLY_KINDS,
  READ_ONLY_SETTINGS,
  VALUE_REVEALING_RELATIONS,
} from "./builtins";
import { namesOnlyCatalog } from "./column-catalog";
import { refusedCall } from "./function-calls";
import { candidateNames, matchesFunctionPattern, matchesTablePattern } from "./patterns";
import { pinnedSettingRefusal } from "./pinned-settings";
import type { ConnectionPolicy, GuardrailRule, ReviewRule } from "./rules";
import type { UpstreamCode } from "./upstream-code";

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
  /** A statement of this session set search_path to a computed value (where pg_catalog falls is unknown). */
  isPathComputed?: boolean;
  /**
   * The upstream's relations and their columns, so column rules follow references the way the
   * server resolves them; absent, relations keep their names but not their columns (fail closed).
   */
  columns?: RelationCatalog;
  /**
   * Code the upstream runs without a statement naming it (triggers, shadowing functions, user
   * casts), as last read from its catalog; absent when unknown.
   */
  upstreamCode?: UpstreamCode;
};

/** Where the server finds a relation: the resolved schema (and the session's own temp schema), or every candidate. */
function namesFor(table: TableRef, session: SessionContext): string[] {
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
  const review = policy.reviews.find((rule) => reviewMatches(rule, facts, session));
  if (!review) return ALLOW;
  return {
    kind: "review",
    rule: review.name,
    reviewerGroups: review.reviewerGroups,
    message: `${describe(facts)} needs approval under review rule "${review.name}" on connection ${policy.connectionName} (reviewers: ${review.reviewerGroups.join(", ") || "none"})`,
  };
}

function checkBuiltins(
  policy: ConnectionPolicy,
  facts: StatementFacts,
  session: SessionContext,
): PolicyVerdict | null {
  for (const opaque of facts.opaque) {
    const kindAllowed = allowsKind(policy, opaque.construct === "DO block" ? "DO" : facts.kind);
    if (!kindAllowed) {
      const rule =
        opaque.construct === "DO block" || opaque.construct === "function body"
          ? "sluice:hidden-sql"
          : "sluice:unmodeled";
      return builtin(policy, rule, `${opaque.construct}: ${opaque.reason}`);
    }
  }
  for (const kind of facts.kinds) {
    if ((PRIVILEGED_KINDS as readonly string[]).includes(kind) && !allowsKind(policy, kind)) {
      return builtin(
        policy,
        "sluice:privilege-change",
        `${kind} changes privileges or loads code, which agents may not do`,
      );
    }
  }
  if (
    facts.serverFileAccess &&
    !allowsKind(policy, facts.serverFileAccess === "program" ? "COPY PROGRAM" : "COPY FILE")
  ) {
    return builtin(
      policy,
      "sluice:server-files",
      `COPY with a server-side ${facts.serverFileAccess} reaches the database server's ${facts.serverFileAccess === "program" ? "shell" : "files"}; use COPY ... TO STDOUT / FROM STDIN`,
    );
  }
  const revealing = valueRevealingRead(policy, facts);
  if (revealing) return builtin(policy, "sluice:catalog-values", revealing);
  for (const setting of facts.settings) {
    if (
      (PRIVILEGE_SETTINGS as readonly string[]).includes(setting.name) &&
      !allowsSetting(policy, setting.name)
    ) {
      const what =
        setting.via === "pg_settings"
          ? "writing pg_settings (it sets any setting, as SET does)"
          : setting.name === "*"
            ? "set_config() with a computed setting name"
            : `changing ${setting.name}`;
      return builtin(policy, "sluice:privilege-change", `${what} could change who the session is`);
    }
  }
  // Not relaxable by any rule: the gateway's reading of every later statement depends on these.
  for (const setting of facts.settings) {
    const why = pinnedSettingRefusal(setting.name, setting.value, setting.via === "RESET");
    if (why) return builtin(policy, "sluice:pinned-setting", why);
  }
  // Every call, by what the function is known to do; one the gateway cannot place is refused. Last,
  // so a more specific default (a computed set_config name) speaks first.
  const call = refusedCall(policy, facts, session);
  if (call) return builtin(policy, call.rule, call.what);
  return null;
}

/**
 * A read of planner statistics or of other sessions' query text. Unqualified names resolve to
 * pg_catalog first, as the server resolves them (pg_catalog is searched before the path). Functions
 * that return such values are classified with every other call (function-calls.ts).
 */
function valueRevealingRead(policy: ConnectionPolicy, facts: StatementFacts): string | null {
  for (const table of facts.tablesRead) {
    const name = `${table.schema ?? "pg_catalog"}.${table.name}`;
    const why =
      VALUE_REVEALING_RELATIONS.get(name) ??
      ((QUERY_TEXT_RELATIONS as readonly string[]).includes(table.name)
        ? "shows the query text of every session"
        : null);
    if (why && !allowsTable(policy, name)) return `${name} ${why}, which would get around masking`;
  }
  return null;
}

function checkReadOnly(policy: ConnectionPolicy, facts: StatementFacts): PolicyVerdict | null {
  const rule = policy.guardrails.find((r) => r.kind === "READ_ONLY" && r.effect === "DENY");
  if (!policy.isReadOnly && !rule) return null;
  const refuse = (what: string) =>
    rule ? denied(policy, rule, what) : builtin(policy, "sluice:read-only", what);
  const write = facts.kinds.find((kind) => !READ_ONLY_KINDS.has(kind));
  if (write) return refuse(`${write} writes, and the connection is read-only`);
  if (facts.tablesWritten.length > 0)
    return refuse(
      `${describe(facts)} writes ${formatTable(facts.tablesWritten[0] as TableRef)}, and the connection is read-only`,
    );
  if (facts.requestsReadWrite)
    return refuse("READ WRITE transactions are not allowed on a read-only connection");
  const disarm = facts.settings.find((setting) =>
    (READ_ONLY_SETTINGS as readonly string[]).includes(setting.name),
  );
  if (disarm) return refuse(`changing ${disarm.name} would disarm the connection's read-only mode`);
  return null;
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

function checkGuardrails(
  policy: ConnectionPolicy,
  facts: StatementFacts,
  session: SessionContext,
): PolicyVerdict | null {
  for (const rule of policy.guardrails) {
    if (rule.effect !== "DENY") continue;
    const what = guardrailHit(rule, facts, session);
    if (what) return denied(policy, rule, what);
  }
  return null;
}

/** Why a DENY rule matches this statement, or null when it does not. */
function guardrailHit(rule: GuardrailRule, facts: StatementFacts, session: SessionContext): string | null {
  switch (rule.kind) {
    case "STATEMENT_KIND": {
      const kind = facts.kinds.find((k) => rule.match.kinds.some((wanted) => kindCovers(wanted, k)));
      return kind ? `${kind} is not allowed${kind === facts.kind ? "" : ` (inside ${facts.kind})`}` : null;
    }
    case "TABLE": {
      const tables = [
        ...(rule.match.access !== "write" ? facts.tablesRead : []),
        ...(rule.match.access !== "read" ? facts.tablesWritten : []),
      ];
      for (const table of tables) {
        const hit = namesFor(table, session).find((name) =>
          rule.match.tables.some((p) => matchesTablePattern(name, p)),
        );
        if (hit) return `${describe(facts)} touches ${hit}`;
      }
      return null;
    }
    case "COLUMN": {
      for (const pattern of rule.match.columns) {
        if (columnPatternMatches(pattern, facts, session)) return `${describe(facts)} uses column ${pattern}`;
      }
      return null;
    }
    case "FUNCTION": {
      const hit = facts.functions.find((name) =>
        rule.match.functions.some((p) => matchesFunctionPattern(name, p)),
      );
      return hit ? `${hit}() is not allowed` : null;
    }
    case "MISSING_WHERE": {
      const hit = facts.unscopedWrites.find((write) => rule.match.kinds.includes(write.kind));
      if (!hit) return null;
      const table =
        hit.table.schema === null ? resolveForDisplay(hit.table, session) : formatTable(hit.table);
      return `${hit.kind} on ${table} ${hit.reason ?? "has no WHERE clause"}`;
    }
    case "SETTING": {
      const hit = facts.settings.find((setting) =>
        rule.match.settings.some((p) => p === "*" || p.toLowerCase() === setting.name),
      );
      return hit ? `changing ${hit.name} is not allowed` : null;
    }
    default:
      return null;
  }
}

function checkTableAllowList(
  policy: ConnectionPolicy,
  facts: StatementFacts,
  session: SessionContext,
): PolicyVerdict | null {
  const allowList = policy.guardrails.filter((rule) => rule.kind === "TABLE" && rule.effect === "ALLOW");
  if (allowList.length === 0) return null;
  for (const table of [...facts.tablesRead, ...facts.tablesWritten]) {
    const resolved = table.schema === null ? session.resolved?.get(table.name) : undefined;
    const names =
      table.schema !== null
        ? [`${table.schema}.${table.name}`]
        : resolved !== undefined
          ? [`${resolved}.${table.name}`]
          : session.searchPath
              .filter((s) => !session.implicitSchemas.has(s))
              .map((s) => `${s}.${table.name}`);
    const isAllowed = names.every((name) =>
      allowList.some(
        (rule) => rule.kind === "TABLE" && rule.match.tables.some((p) => matchesTablePattern(name, p)),
      ),
    );
    if (!isAllowed) {
      return builtin(
        policy,
        "sluice:table-allow-list",
        `${formatTable(table)} is not on the connection's table allow-list`,
      );
    }
  }
  return null;
}

function reviewMatches(rule: ReviewRule, facts: StatementFacts, session: SessionContext): boolean {
  const { kinds, tables, columns } = rule.match;
  if (kinds && !facts.kinds.some((kind) => kinds.some((k) => kindCovers(k, kind)))) return false;
  if (tables) {
    const touched = [...facts.tablesRead, ...facts.tablesWritten].flatMap((t) => namesFor(t, session));
    if (!touched.some((name) => tables.some((p) => matchesTablePattern(name, p)))) return false;
  }
  if (columns && !columns.some((pattern) => columnPatternMatches(pattern, facts, session))) return false;
  return Boolean(kinds || tables || columns);
}

/**
 * `schema.table.column`: the table is touched and the column is reached — read by any reference
 * as the server resolves it (alias lists, attribute notation, whole rows, subqueries, `*`) or
 * assigned by a write. A reference Sluice cannot follow reaches it.
 */
function columnPatternMatches(pattern: string, facts: StatementFacts, session: SessionContext): boolean {
  const at = pattern.lastIndexOf(".");
  const tablePattern = at > 0 ? pattern.slice(0, at) : "*";
  const column = at > 0 ? pattern.slice(at + 1) : pattern;
  const tables = [...facts.tablesRead, ...facts.tablesWritten].filter((table) =>
    namesFor(table, session).some((name) => matchesTablePattern(name, tablePattern)),
  );
  if (tables.length === 0) return false;
  const lineage = resolveLineage(facts, session.columns ?? namesOnlyCatalog(session));
  const reaches = (source: ColumnSource) =>
    matchesTablePattern(`${source.schema}.${source.table}`, tablePattern) &&
    (column === "*" || source.column === null || source.column === column);
  return (
    lineage.references.some((ref) => ref.sources.isUnknown || ref.sources.columns.some(reaches)) ||
    lineage.targets.some(reaches)
  );
}

/**
 * ALLOW names kinds exactly, families never: an ALLOW relaxes a default only for what it names,
 * so ALLOW CREATE TABLE does not let CREATE TABLE AS through, nor ALLOW CREATE a CREATE FUNCTION.
 */
function allowsKind(policy: ConnectionPolicy, kind: string): boolean {
  return policy.guardrails.some(
    (rule) =>
      rule.effect === "ALLOW" &&
      rule.kind === "STATEMENT_KIND" &&
      rule.match.kinds.some((k) => normalizeKindName(k) === kind),
  );
}

function allowsTable(policy: ConnectionPolicy, qualified: string): boolean {
  return policy.guardrails.some(
    (rule) =>
      rule.effect === "ALLOW" &&
      rule.kind === "TABLE" &&
      rule.match.tables.some((p) => matchesTablePattern(qualified, p)),
  );
}

function allowsSetting(policy: ConnectionPolicy, name: string): boolean {
  return policy.guardrails.some(
    (rule) =>
      rule.effect === "ALLOW" &&
      rule.kind === "SETTING" &&
      rule.match.settings.some((p) => p.toLowerCase() === name),
  );
}

function denied(policy: ConnectionPolicy, rule: GuardrailRule, what: string): PolicyVerdict {
  return {
    kind: "deny",
    rule: rule.name,
    message: `blocked by guardrail "${rule.name}" on connection ${policy.connectionName}: ${what}`,
    ...(rule.message ? { hint: rule.message } : {}),
  };
}

function builtin(policy: ConnectionPolicy, rule: string, what: string): PolicyVerdict {
  return {
    kind: "deny",
    rule,
    message: `blocked by Sluice default "${rule}" on connection ${policy.connectionName}: ${what}`,
    hint: "Sluice refuses what it cannot judge; an admin can relax this only with an explicit ALLOW guardrail",
  };
}

function describe(facts: StatementFacts): string {
  return facts.kind;
}

function formatTable(table: TableRef): string {
  return table.schema ? `${table.schema}.${table.name}` : table.name;
}

/** An unqualified name shown the way the server resolves it, or else most likely does (public, where tables usually live). */
function resolveForDisplay(table: TableRef, session: SessionContext): string {
  const schema =
    session.resolved?.get(table.name) ??
    (session.searchPath.includes("public") ? "public" : (session.searchPath[0] ?? "public"));
  return `${schema}.${table.name}`;
}
