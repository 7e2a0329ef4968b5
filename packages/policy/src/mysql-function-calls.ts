import type { StatementFacts } from "@sluice/sql/facts";
import type { CallRefusal } from "./function-calls";
import { MYSQL_REFUSED_FUNCTIONS, MYSQL_SAFE_FUNCTIONS } from "./mysql-function-classes";

/**
 * The first call of a MySQL statement its connection may not run: a refused built-in, or a name
 * that is no built-in (stored function, UDF such as sys_exec, `db.f()`), unless an ALLOW FUNCTION
 * guardrail names it. There is no search path for functions in MySQL (see mysql-function-classes.ts).
 */
export function refusedMySqlCall(
  facts: StatementFacts,
  allowsCall: (call: { schema: string | null; name: string }) => boolean,
): CallRefusal | null {
  for (const call of facts.functionCalls) {
    const shown = call.schema === null ? call.name : `${call.schema}.${call.name}`;
    const howToAllow = `an admin can allow it by name with an ALLOW FUNCTION guardrail (functions: [${JSON.stringify(shown)}])`;
    if (call.schema === null && MYSQL_SAFE_FUNCTIONS.has(call.name)) continue;
    if (allowsCall(call)) continue;
    const refused = call.schema === null ? MYSQL_REFUSED_FUNCTIONS.get(call.name) : undefined;
    if (refused) return { rule: refused.rule, what: `${shown}() ${refused.why}; ${howToAllow}` };
    return {
      rule: "sluice:unknown-function",
      what: `${shown}() is not a function Sluice can judge: it is not a MySQL/MariaDB built-in it classifies (a stored function or a loadable UDF); ${howToAllow}`,
    };
  }
  return null;
}
