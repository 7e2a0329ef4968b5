/**
 * Which databases a database-level grant names, as the server reads the name SHOW GRANTS prints
 * (`app\_%`.*): with partial_revokes off (MariaDB has no such setting) `_` stands for one character,
 * `%` for any run of them and a backslash takes the next one literally, as LIKE reads them
 * (MariaDB's and MySQL's `wild_compare`); with it on, MySQL reads every character literally, as if
 * escaped. Under lower_case_table_names 1 or 2 the server stores the grant's name and looks the
 * database up folded to lower case; under 0 it compares them as they are.
 */
export type GrantNameRules = {
  /** lower_case_table_names is 1 or 2. */
  readonly isCaseFolded: boolean;
  /** partial_revokes is off, or the server has none (MariaDB, MySQL before 8.0.16). */
  readonly readsWildcards: boolean;
};

/** One reading's answer; `unsure` where Sluice cannot tell how the server compares. */
type Reading = boolean | "unsure";

/**
 * The rules from `SHOW VARIABLES WHERE Variable_name IN ('lower_case_table_names',
 * 'partial_revokes')`; null when lower_case_table_names is missing or not one of its values (a
 * grant then counts only where every reading agrees).
 */
export function grantNameRulesOf(variables: ReadonlyMap<string, string>): GrantNameRules | null {
  const folding = variables.get("lower_case_table_names");
  if (folding === undefined || !["0", "1", "2"].includes(folding)) return null;
  const partialRevokes = variables.get("partial_revokes")?.toUpperCase();
  if (partialRevokes !== undefined && partialRevokes !== "ON" && partialRevokes !== "OFF") return null;
  return { isCaseFolded: folding !== "0", readsWildcards: partialRevokes !== "ON" };
}

/**
 * Whether the server reads the grant's database name as naming `schema`, for a grant that gives
 * something (TRIGGER): yes only where Sluice is sure. Without the rules, every reading must agree.
 */
export function surelyNames(pattern: string, schema: string, rules: GrantNameRules | null): boolean {
  if (rules === null)
    return (
      namesUnder(pattern, schema, true, false) === true && namesUnder(pattern, schema, false, false) === true
    );
  return namesUnder(pattern, schema, rules.readsWildcards, rules.isCaseFolded) === true;
}

/**
 * Whether the server may read the grant's database name as naming `schema` under any rules, for a
 * grant whose match would take something away: a database-level grant is looked up as the first
 * row whose name matches (the most specific), not as the union of every matching one.
 */
export function mayName(pattern: string, schema: string): boolean {
  // The name as printed, backslashes and all, in case a server reads even those literally.
  if (pattern.toLowerCase() === schema.toLowerCase()) return true;
  return [true, false].some((wildcards) => namesUnder(pattern, schema, wildcards, true) !== false);
}

function namesUnder(
  pattern: string,
  schema: string,
  readsWildcards: boolean,
  isCaseFolded: boolean,
): Reading {
  const tokens = tokensOf(pattern);
  if (tokens === null) return "unsure";
  const fold = (text: string) => (isCaseFolded ? text.toLowerCase() : text);
  const name = fold(schema);
  if (!readsWildcards || tokens.every((token) => token.kind === "char"))
    return fold(literalOf(tokens)) === name;
  // wild_compare walks bytes; a wildcard over characters beyond ASCII may count them otherwise.
  if (!isAscii(pattern) || !isAscii(schema)) return "unsure";
  return likeMatches(
    tokens.map((token) => (token.kind === "char" ? { ...token, text: fold(token.text) } : token)),
    name,
  );
}

type Token = { kind: "char" | "one" | "many"; text: string };

/** The name's characters, wildcards and escapes; null for an escape Sluice is unsure of (`\a`, a trailing `\`). */
function tokensOf(pattern: string): Token[] | null {
  const tokens: Token[] = [];
  for (let at = 0; at < pattern.length; at++) {
    const ch = pattern[at] as string;
    if (ch === "\\") {
      const next = pattern[at + 1];
      if (next !== "_" && next !== "%" && next !== "\\") return null;
      tokens.push({ kind: "char", text: next });
      at += 1;
    } else if (ch === "_") tokens.push({ kind: "one", text: ch });
    else if (ch === "%") tokens.push({ kind: "many", text: ch });
    else tokens.push({ kind: "char", text: ch });
  }
  return tokens;
}

/** The name read literally: an escaped character as itself, `_` and `%` as themselves. */
function literalOf(tokens: readonly Token[]): string {
  return tokens.map((token) => token.text).join("");
}

function isAscii(text: string): boolean {
  for (let at = 0; at < text.length; at++) if (text.charCodeAt(at) > 0x7f) return false;
  return true;
}

/** LIKE over tokens, by dynamic programming (no backtracking blow-up on many `%`). */
function likeMatches(tokens: readonly Token[], name: string): boolean {
  let reachable = new Array<boolean>(name.length + 1).fill(false);
  reachable[0] = true;
  for (const token of tokens) {
    const next = new Array<boolean>(name.length + 1).fill(false);
    for (let at = 0; at <= name.length; at++) {
      if (!reachable[at]) continue;
      if (token.kind === "many") for (let end = at; end <= name.length; end++) next[end] = true;
      else if (at < name.length && (token.kind === "one" || token.text === name[at])) next[at + 1] = true;
    }
    reachable = next;
  }
  return reachable[name.length] === true;
}
