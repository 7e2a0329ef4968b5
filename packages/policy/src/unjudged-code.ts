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
 * Without the upstream's code catalog every write counts (fail closed).
 */
export function mayRunUnjudgedCode(
  statements: readonly StatementFacts[],
  session: Pick<SessionContext, "searchPath" | "isPathComputed" | "upstreamCode" | "prepared">,
): boolean {
  const code = session.upstreamCode;
  // SQL EXECUTE runs what was PREPAREd: its statement's facts count as if written here.
  const all = statements.flatMap((facts) =>
    facts.kind === "EXECUTE" && facts.preparedName !== undefined
      ? [facts, ...(session.prepared.get(facts.preparedName) ?? [])]
      : [facts],
  );
  return all.some((facts) => runsCode(facts, session, code));
}

function runsCode(
  facts: StatementFacts,
  session: Pick<SessionContext, "searchPath" | "isPathComputed">,
  code: UpstreamCode | undefined,
): boolean {
  if (facts.kinds.some((kind) => CODE_KINDS.has(kind))) return true;
  if (code?.hasEventTriggers && facts.kinds.some((kind) => DDL_KIND.test(kind))) return true;
  const isCatalogFirst = !session.searchPath.includes("pg_catalog") && !session.isPathComputed;
  const calls = [
    ...facts.functionCalls,
    ...(code ? (facts.typeCasts ?? []).flatMap((type) => castFunctionsOf(code, type)) : []),
  ];
  for (const call of calls) {
    const reading = readCall(call, isCatalogFirst, code);
    // Anything but a classified built-in the defaults allow ran only because an admin named it.
    if (reading.kind === "unknown" || CLASS_VERDICTS[reading.cls].kind === "refuse") return true;
  }
  const isUnjudgedOperator = (operator: RoutineRef) =>
    (operator.schema !== null && operator.schema !== "pg_catalog") ||
    !SAFE_OPERATOR_NAMES.has(operator.name) ||
    code?.userOperators.has(operator.name) === true;
  if (facts.operators.some(isUnjudgedOperator)) return true;
  return facts.tablesWritten.some((table) => writeRunsCode(table, code));
}

function writeRunsCode(table: TableRef, code: UpstreamCode | undefined): boolean {
  if (!code) return true;
  if (table.schema === null || table.schema === "pg_temp") return code.writeRunsCodeNames.has(table.name);
  return code.writeRunsCode.has(`${table.schema}.${table.name}`);
}
