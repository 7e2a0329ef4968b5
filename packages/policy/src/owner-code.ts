/**
 * Owner code a write runs, judged on a connection with masking. A trigger, a rule, a default or a
 * generated column runs the table owner's code with the agent's write, and that code reads what it
 * likes: `AFTER INSERT ON orders … INSERT INTO audit SELECT ssn FROM customers` stores clear values
 * in a table no masking rule names, for a later SELECT to return. The gateway cannot see into a
 * function body (plpgsql least of all), so it judges the function by name, as a direct call: a
 * write runs only if every function its code calls is classified safe or allowed by an ALLOW
 * FUNCTION guardrail. Code that names no function (a rule's actions, a column type's input) cannot
 * be allowed that way and is refused.
 */
import type { RoutineRef, StatementFacts, TableRef } from "@sluice/sql/facts";
import { allowsCall, readCall } from "./function-calls";
import { CLASS_VERDICTS } from "./function-class";
import type { ConnectionPolicy } from "./rules";
import type { UpstreamCode, WriteCode } from "./upstream-code";

export const OWNER_CODE_RULE = "sluice:owner-code";

/**
 * Why the first write of these statements may not run the owner's code it fires, or null. Without
 * the upstream's code catalog nothing is known of a write's code: every write is refused.
 */
export function ownerCodeRefusal(
  policy: ConnectionPolicy,
  statements: readonly StatementFacts[],
  code: UpstreamCode | undefined,
): string | null {
  for (const facts of statements) {
    // MySQL's relay judges its writes' code against its own catalog (mysql-session/src/owner-code.ts).
    if (facts.dialect === "mysql") continue;
    for (const table of facts.tablesWritten) {
      const shown = table.schema === null ? table.name : `${table.schema}.${table.name}`;
      if (!code)
        return `the upstream's catalog could not be read, so what a write to ${shown} runs (triggers, rules, defaults) is unknown`;
      for (const piece of codeOf(table, code)) {
        const why = unjudgedPiece(policy, piece);
        if (why) return `a write to ${shown} runs ${describe(piece, shown)}, ${why}`;
      }
    }
  }
  return null;
}

/** An unqualified name may be any schema's table of that name: all of them count (fail closed). */
function codeOf(table: TableRef, code: UpstreamCode): readonly WriteCode[] {
  const key =
    table.schema === null || table.schema === "pg_temp" ? table.name : `${table.schema}.${table.name}`;
  return code.writeCode.get(key) ?? [];
}

function describe(piece: WriteCode, shown: string): string {
  const on = piece.via === shown || piece.via.endsWith(`.${shown}`) ? "" : ` on ${piece.via}`;
  const calls = piece.function ? ` (${routineName(piece.function)}())` : "";
  return `the table owner's ${piece.source}${on}${calls}`;
}

function unjudgedPiece(policy: ConnectionPolicy, piece: WriteCode): string | null {
  const fn = piece.function;
  if (fn === null) {
    return "code Sluice cannot judge (it names no function to allow), which could copy masked values into a table no masking rule covers; mask that table's columns on another connection, or write without masking";
  }
  if (isTrustedCode(policy, fn)) return null;
  return `whose body Sluice cannot judge and which could copy masked values into a table no masking rule covers; an admin can allow it by name with an ALLOW FUNCTION guardrail (functions: [${JSON.stringify(routineName(fn))}])`;
}

/** A function classified safe, or one an admin allowed by name: its code is taken as judged. */
function isTrustedCode(policy: ConnectionPolicy, fn: RoutineRef): boolean {
  const reading = readCall(fn, false);
  return (reading.kind === "known" && CLASS_VERDICTS[reading.cls].kind === "allow") || allowsCall(policy, fn);
}

/**
 * Why a write may change any table through the owner's code it fires, or null: a TABLE rule on
 * writes cannot see into a trigger's plpgsql body (`AFTER INSERT ON audit_in … DELETE FROM
 * orders`) nor follow a rule's actions, so such code counts as writing every table, on any
 * connection, unless every function it calls is classified safe or allowed by name. The catalog
 * lists, per written relation, the code of the relations the write reaches too (partitions,
 * cascades, the relations under a view).
 */
export function ownerCodeWriteReach(
  policy: ConnectionPolicy,
  facts: StatementFacts,
  code: UpstreamCode | undefined,
): string | null {
  // MySQL's relay reads its triggers' bodies (mysql-session/src/owner-code.ts).
  if (!code || facts.dialect === "mysql") return null;
  // A DROP fires no trigger, rule or default: the code listed is what a row write runs. Without
  // CASCADE nothing else goes with the relation (the server refuses the drop if something depends).
  if (facts.kind === "DROP" && facts.dropsDependents !== true) return null;
  for (const table of facts.tablesWritten) {
    const shown = table.schema === null ? table.name : `${table.schema}.${table.name}`;
    for (const piece of codeOf(table, code)) {
      if (piece.function !== null && isTrustedCode(policy, piece.function)) continue;
      const allow = piece.function
        ? `; an admin can allow it by name with an ALLOW FUNCTION guardrail (functions: [${JSON.stringify(routineName(piece.function))}])`
        : "";
      return `${facts.kind} writes ${shown}, which runs ${describe(piece, shown)}: code Sluice cannot see into, which may write a table the rule covers${allow}`;
    }
  }
  return null;
}

function routineName(fn: RoutineRef): string {
  return fn.schema === null ? fn.name : `${fn.schema}.${fn.name}`;
}
