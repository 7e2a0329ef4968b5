/**
 * How PostgreSQL finds an unqualified relation: the session's temporary schema first and pg_catalog
 * next unless the path names them, then the path's schemas in order; the first schema that holds
 * the name (and that the role may use) wins.
 * @see https://www.postgresql.org/docs/current/ddl-schemas.html#DDL-SCHEMAS-PATH
 */

/**
 * Where the upstream keeps relations of these names, read as the session's login: the role that
 * read it (`current_user`), and name → the schemas that role may use that hold one. A name left out
 * is not placed (every candidate stays).
 */
export type RelationLookup = (
  names: readonly string[],
) => Promise<{ role: string; holders: ReadonlyMap<string, readonly string[]> }>;

/**
 * A search_path value as the server splits it (`SplitIdentifierString` in varlena.c): names
 * separated by commas, whitespace around them ignored; a double quote opens a quoted name only at
 * the start of one (`""` inside is a quote); unquoted names fold ASCII letters only; every name is
 * cut to 63 bytes. `$user` stands for the upstream login. Null when the value is not valid syntax
 * (the server would have refused it, so it is not a path the server holds).
 */
export function parseSearchPath(value: string, upstreamUser: string): string[] | null {
  // Control characters the scanner's notion of space may or may not cover across versions: no guess.
  if (hasUnclearControl(value)) return null;
  const schemas: string[] = [];
  let at = skipSpace(value, 0);
  if (at === value.length) return schemas;
  for (;;) {
    let name: string;
    if (value[at] === '"') {
      name = "";
      for (at += 1; ; at += 1) {
        const close = value.indexOf('"', at);
        if (close < 0) return null;
        name += value.slice(at, close);
        at = close + 1;
        if (value[at] !== '"') break;
        name += '"';
      }
      if (name === "") return null;
    } else {
      const begin = at;
      while (at < value.length && value[at] !== "," && !isSpace(value.charCodeAt(at))) at += 1;
      if (at === begin) return null;
      const bare = value.slice(begin, at);
      // Outside ASCII, folding depends on the server's encoding and locale: no guess either.
      if (/[^ -~]/.test(bare)) return null;
      name = bare.toLowerCase();
    }
    const schema = truncateIdentifier(name);
    const resolved = schema === "$user" ? upstreamUser : schema;
    if (!schemas.includes(resolved)) schemas.push(resolved);
    at = skipSpace(value, at);
    if (at === value.length) return schemas;
    if (value[at] !== ",") return null;
    at = skipSpace(value, at + 1);
  }
}

/** The server's identifier limit (NAMEDATALEN - 1 bytes), never splitting a character. */
const MAX_IDENTIFIER_BYTES = 63;

function truncateIdentifier(name: string): string {
  if (Buffer.byteLength(name) <= MAX_IDENTIFIER_BYTES) return name;
  let out = "";
  let bytes = 0;
  for (const char of name) {
    bytes += Buffer.byteLength(char);
    if (bytes > MAX_IDENTIFIER_BYTES) break;
    out += char;
  }
  return out;
}

function hasUnclearControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && !isSpace(code)) || code === 0x7f) return true;
  }
  return false;
}

/** The server's `scanner_isspace`: ASCII space, tab, newline, carriage return, form feed only. */
function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || code === 0x0c;
}

function skipSpace(value: string, at: number): number {
  while (at < value.length && isSpace(value.charCodeAt(at))) at += 1;
  return at;
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
