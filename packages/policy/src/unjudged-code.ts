import type { RoutineRef, StatementFacts, TableRef } from "@sluice/sql/facts";
import type { SessionContext } from "./engine";
import { readCall } from "./function-calls";
import { CLASS_VERDICTS } from "./function-class";
import { SAFE_OPERATORS } from "./generated/function-classes";
import { castFunctionsOf, type UpstreamCode } from "./upstream-code";

const SAFE_OPERATOR_NAMES = new Set(SAFE_OPERATORS);
/** Kinds that run procedural code by definition. */
const CODE_KINDS = new Set(["DO", "CALL"]);
/** Kinds an event trigger fires on (ddl_command_start/end, sql_drop, table_rewrite). */
const DDL_KIND = /^(CREATE|ALTER|DROP|COMMENT|GRANT|REVOKE|SECURITY LABEL|IMPORT|REFRESH|REINDEX)\b/;

/**
 * Whether an allowed statement may run code the gateway did not judge: a function or operator
 * allowed only by name (user-defined, unknown, or of a refused class), a DO or CALL, a cast that
 * runs a function outside pg_catalog, a write to a relation with triggers or rules, DDL while an
 * event trigger exists. Such code can change how the server reads what follows (`set_config(
 * 'client_encoding', …)`), so the relay forwards nothing behind it until the server has answered.
 * Without the upstream's code catalog every relation read or written counts (fail closed).
 */
export function mayRunUnjudgedCode(
  statements: readonly StatementFacts[],
  session: Pick<
    SessionContext,
    "searchPath" | "isPathComputed" | "upstreamCode" | "prepared" | "codeUncertainty"
  >,
): boolean {
  // Code this session changed that the catalog cannot show yet may run anywhere.
  if (session.codeUncertainty) return true;
  // Plain loops, no closures: this runs for every allowed statement (decision time matters).
  for (const facts of statements) if (runsCodeOrPrepared(facts, session)) return true;
  return false;
}

/**
 * Whether one statement, or the statement an SQL EXECUTE runs (its facts count as if written
 * here), may run code the gateway did not judge, by what the catalog shows (see runsCode).
 */
export function runsCodeOrPrepared(
  facts: StatementFacts,
  session: Pick<SessionContext, "searchPath" | "isPathComputed" | "upstreamCode" | "prepared">,
): boolean {
  if (runsCode(facts, session)) return true;
  if (facts.kind !== "EXECUTE" || facts.preparedName === undefined) return false;
  for (const prepared of session.prepared.get(facts.preparedName) ?? []) {
    if (runsCode(prepared, session)) return true;
  }
  return false;
}

/** Whether one statement may run code the gateway did not judge (see mayRunUnjudgedCode). */
export function runsCode(
  facts: StatementFacts,
  session: Pick<SessionContext, "searchPath" | "isPathComputed" | "upstreamCode">,
): boolean {
  const code = session.upstreamCode;
  if (code?.hasBuiltinCastCode) return true;
  for (const kind of facts.kinds) {
    if (CODE_KINDS.has(kind) || (code?.hasEventTriggers && DDL_KIND.test(kind))) return true;
  }
  const isCatalogFirst = !session.searchPath.includes("pg_catalog") && !session.isPathComputed;
  for (const call of facts.functionCalls) if (isUnjudgedCall(call, isCatalogFirst, code)) return true;
  if (code) {
    for (const type of facts.typeCasts ?? []) {
      for (const call of castFunctionsOf(code, type))
        if (isUnjudgedCall(call, isCatalogFirst, code)) return true;
    }
  }
  for (const operator of facts.operators) if (isUnjudgedOperator(operator, code)) return true;
  for (const table of facts.tablesWritten) if (runsCodeOn(table, code, "write")) return true;
  for (const table of facts.tablesRead) if (runsCodeOn(table, code, "read")) return true;
  return false;
}

/** Anything but a classified built-in the defaults allow ran only because an admin named it. */
function isUnjudgedCall(call: RoutineRef, isCatalogFirst: boolean, code: UpstreamCode | undefined): boolean {
  const reading = readCall(call, isCatalogFirst, code);
  return reading.kind === "unknown" || CLASS_VERDICTS[reading.cls].kind === "refuse";
}

export function isUnjudgedOperator(operator: RoutineRef, code: UpstreamCode | undefined): boolean {
  return (
    (operator.schema !== null && operator.schema !== "pg_catalog") ||
    !SAFE_OPERATOR_NAMES.has(operator.name) ||
    code?.userOperators.has(operator.name) === true
  );
}

/** Without the catalog every relation counts: its triggers, views and policies are unknown. */
function runsCodeOn(table: TableRef, code: UpstreamCode | undefined, access: "read" | "write"): boolean {
  if (!code) return true;
  const [qualified, names] =
    access === "write"
      ? [code.writeRunsCode, code.writeRunsCodeNames]
      : [code.readRunsCode, code.readRunsCodeNames];
  if (table.schema === null || table.schema === "pg_temp") return names.has(table.name);
  return qualified.has(`${table.schema}.${table.name}`);
}
