import type { FactsCache } from "./facts-cache";
import { type RelationLookup, relationSearchOrder, resolveRelation } from "./search-path";
import type { PolicySessionState } from "./session-state";
import type { StatementRequest } from "./verdict";

/**
 * Each unqualified name to the schema the server resolves it to, per the upstream's catalog now;
 * null when the side connection is not the role the session logged in as (a role set by default
 * for the login), since `$user` and schema privileges follow the role.
 */
export async function resolveNames(
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
export function resolvableNames(
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
