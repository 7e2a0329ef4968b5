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
  // Compared in place, not split into pairs: every relation of every decision comes through here.
  const at = qualified.lastIndexOf(".");
  const patternAt = pattern.lastIndexOf(".");
  const name = qualified.slice(at + 1);
  if (patternAt < 0) return pattern === name;
  const patternName = pattern.slice(patternAt + 1);
  return (
    pattern.slice(0, patternAt) === qualified.slice(0, at) && (patternName === "*" || patternName === name)
  );
}

/** Lower-case function name against a pattern, ignoring the implicit pg_catalog schema. */
export function matchesFunctionPattern(name: string, pattern: string): boolean {
  const bare = name.startsWith("pg_catalog.") ? name.slice("pg_catalog.".length) : name;
  const wanted = pattern.toLowerCase();
  if (wanted.endsWith("*"))
    return bare.startsWith(wanted.slice(0, -1)) || name.startsWith(wanted.slice(0, -1));
  return bare === wanted || name === wanted;
}

const TABLE_PATTERN_FORMS = "a table pattern is table, schema.table, schema.* or *";

/**
 * Why a TABLE pattern can never match, or null. matchesTablePattern compares names exactly, so
 * `*.employees`, `emp*` or `db.schema.table` would be saved, listed as active and never refuse.
 */
export function tablePatternProblem(pattern: string): string | null {
  return isMatchableTablePattern(pattern) ? null : `"${pattern}" never matches: ${TABLE_PATTERN_FORMS}`;
}

/** Why a COLUMN pattern (`[table pattern.]column`, the column exact or `*`) can never match, or null. */
export function columnPatternProblem(pattern: string): string | null {
  const at = pattern.lastIndexOf(".");
  const column = pattern.slice(at + 1);
  if (column === "" || (column !== "*" && column.includes("*"))) {
    return `"${pattern}" never matches: a column is named exactly, or * for every column`;
  }
  if (at < 0 || isMatchableTablePattern(pattern.slice(0, at))) return null;
  return `"${pattern}" never matches: its table part is not one, ${TABLE_PATTERN_FORMS}`;
}

function isMatchableTablePattern(pattern: string): boolean {
  if (pattern === "*") return true;
  const parts = pattern.split(".");
  if (parts.length > 2 || parts.some((part) => part === "")) return false;
  const [schema, name] = parts.length === 2 ? parts : [null, parts[0] ?? ""];
  if (schema?.includes("*")) return false;
  return name === "*" ? schema !== null : !name?.includes("*");
}

/** The first pattern of a list that can never match, with why; null when all can. */
export function patternsProblem(
  patterns: readonly string[],
  check: (pattern: string) => string | null,
): string | null {
  for (const pattern of patterns) {
    const problem = check(pattern);
    if (problem) return problem;
  }
  return null;
}
