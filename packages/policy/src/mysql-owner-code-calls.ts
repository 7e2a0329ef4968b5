import type { RoutineRef } from "@sluice/sql/facts";
import { allowsCall } from "./function-calls";
import { MYSQL_SAFE_FUNCTIONS } from "./mysql-function-classes";
import type { ConnectionPolicy } from "./rules";

/**
 * A call the owner's code may make when an agent's write fires it on a MySQL connection (a
 * trigger's body, a generated column): a built-in Sluice classifies safe, or a function an ALLOW
 * FUNCTION guardrail of the connection names. The built-ins refused by default (SLEEP, LOAD_FILE…)
 * and every stored function or UDF are not, unless named; without a policy nothing but the safe
 * built-ins is.
 */
export function isOwnerCodeCallAllowed(policy: ConnectionPolicy | undefined, call: RoutineRef): boolean {
  if (call.schema === null && MYSQL_SAFE_FUNCTIONS.has(call.name.toLowerCase())) return true;
  return policy !== undefined && allowsCall(policy, call);
}
