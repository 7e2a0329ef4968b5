import type { TableRef } from "@sluice/sql/facts";

/**
 * Where the server could find an unqualified name: pg_catalog first, then the temporary schema, then
 * every schema the session's search_path has held. Matching a deny rule against all of them is the
 * conservative reading when the gateway cannot know which one the server picks.
 */
export function candidateNames(table: TableRef, searchPath: readonly string[]): string[] {
  if (table.schema !== null) return [`${table.schema}.${table.name}`];
  return ["pg_catalog", "pg_temp", ...searchPath].map((schema) => `${schema}.${table.name}`);
}

/** `schema.table` against a pattern: `table`, `schema.table`, `schema.*`, `*`. */
export function matchesTablePattern(qualified: string, pattern: string): boolean {
  if (pattern === "*") return true;
  const [schema, name] = splitQualified(qualified);
  if (!pattern.includes(".")) return pattern === name;
  const [patternSchema, patternName] = splitQualified(pattern);
  return patternSchema === schema && (patternName === "*" || patternName === name);
}

/** Lower-case function name against a pattern, ignoring the implicit pg_catalog schema. */
export function matchesFunctionPattern(name: string, pattern: string): boolean {
  const bare = name.startsWith("pg_catalog.") ? name.slice("pg_catalog.".length) : name;
  const wanted = pattern.toLowerCase();
  if (wanted.endsWith("*"))
    return bare.startsWith(wanted.slice(0, -1)) || name.startsWith(wanted.slice(0, -1));
  return bare === wanted || name === wanted;
}

function splitQualified(qualified: string): [string, string] {
  const at = qualified.lastIndexOf(".");
  return [qualified.slice(0, at), qualified.slice(at + 1)];
}
