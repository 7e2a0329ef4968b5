/**
 * How PostgreSQL finds an unqualified relation: the session's temporary schema first and pg_catalog
 * next unless the path names them, then the path's schemas in order; the first schema that holds
 * the name (and that the role may use) wins.
 * @see https://www.postgresql.org/docs/current/ddl-schemas.html#DDL-SCHEMAS-PATH
 */

/** Where the upstream keeps relations of these names: name → the schemas the session's role may use that hold one. */
export type RelationLookup = (names: readonly string[]) => Promise<ReadonlyMap<string, readonly string[]>>;

/** A search_path value (`"$user", public`) as schema names, `$user` standing for the upstream login. */
export function parseSearchPath(value: string, upstreamUser: string): string[] {
  const schemas: string[] = [];
  for (const raw of splitOutsideQuotes(value)) {
    const item = raw.trim();
    if (!item) continue;
    const isQuoted = item.startsWith('"') && item.endsWith('"') && item.length >= 2;
    // Unquoted names fold to lower case, as the server folds them; quoted ones keep their case.
    const name = isQuoted ? item.slice(1, -1).replaceAll('""', '"') : item.toLowerCase();
    const schema = name === "$user" ? upstreamUser : name;
    if (schema && !schemas.includes(schema)) schemas.push(schema);
  }
  return schemas;
}

/**
 * The schemas searched for a relation, in order. The temporary schema is left out: which
 * `pg_temp_N` is the session's own is not visible from outside it, so callers keep `pg_temp` as a
 * candidate of its own.
 */
export function relationSearchOrder(path: readonly string[]): string[] {
  const order = path.filter((schema) => schema !== "pg_temp");
  return order.includes("pg_catalog") ? order : ["pg_catalog", ...order];
}

/** The schema the server resolves `name` to, or null when no schema on the path holds it. */
export function resolveRelation(
  name: string,
  order: readonly string[],
  holders: ReadonlyMap<string, readonly string[]>,
): string | null {
  const schemas = holders.get(name);
  if (!schemas) return null;
  return order.find((schema) => schemas.includes(schema)) ?? null;
}

function splitOutsideQuotes(value: string): string[] {
  const parts: string[] = [];
  let current = "";
  let isQuoted = false;
  for (const char of value) {
    if (char === '"') isQuoted = !isQuoted;
    if (char === "," && !isQuoted) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}
