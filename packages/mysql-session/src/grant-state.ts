import { createHash } from "node:crypto";
import type { Queryable } from "./catalog-read";
import { type GrantNameRules, grantNameRulesOf } from "./grant-names";
import { readTriggerGrants, type TriggerGrants } from "./trigger-grants";

/**
 * What the trigger sight is read from on a server that lists triggers by privilege (MySQL): the
 * login's own SHOW GRANTS (which needs no privilege) and the two settings that say how the server
 * reads a grant's database name.
 */
export type GrantState = {
  readonly lines: readonly string[];
  readonly variables: ReadonlyMap<string, string>;
};

const GRANT_VARIABLES_SQL =
  "SHOW VARIABLES WHERE Variable_name IN ('lower_case_table_names', 'partial_revokes')";

export async function readGrantState(client: Queryable): Promise<GrantState> {
  const [grants] = await client.query("SHOW GRANTS");
  const lines = (grants as Array<Record<string, unknown>>).map((row) => String(Object.values(row)[0]));
  const [rows] = await client.query(GRANT_VARIABLES_SQL);
  const variables = new Map<string, string>();
  for (const row of rows as Array<Record<string, unknown>>) {
    const [name, value] = Object.values(row);
    variables.set(String(name).toLowerCase(), String(value));
  }
  return { lines, variables };
}

export function grantsOf(state: GrantState): { grants: TriggerGrants; rules: GrantNameRules | null } {
  return { grants: readTriggerGrants(state.lines), rules: grantNameRulesOf(state.variables) };
}

/**
 * A digest of the state, for the catalog's fingerprint: a REVOKE TRIGGER on a table without
 * triggers changes nothing the server lists to the login, yet a trigger created there afterwards
 * is one MySQL lists to nobody without TRIGGER. SHOW GRANTS' lines come in the server's order,
 * which is stable for the same grants.
 */
export function grantStateDigest(state: GrantState): string {
  const hash = createHash("sha256");
  // Each part length-prefixed: a name quoted with a line break in it cannot pass for two lines.
  const part = (text: string) => hash.update(`${Buffer.byteLength(text)}:`).update(text);
  for (const line of state.lines) part(line);
  hash.update("|");
  for (const [name, value] of [...state.variables].sort()) {
    part(name);
    part(value);
  }
  return hash.digest("hex").slice(0, 32);
}
