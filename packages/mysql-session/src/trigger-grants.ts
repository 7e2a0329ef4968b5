/**
 * Where the brokered login holds the TRIGGER privilege, read from its own `SHOW GRANTS`: the one
 * statement that needs no privilege, and that on MySQL 8 prints the session's effective grants —
 * the account's own merged with those of its active roles (`Sql_cmd_show_grants` passes the
 * session's active roles when no FOR clause is given) and, with partial_revokes, the schemas a
 * global privilege is taken back from as `REVOKE … ON db.* FROM …` lines.
 *
 * Read to refuse more, never less: a GRANT line this reader does not understand grants nothing,
 * and a REVOKE line it does not understand makes the whole reading unknown.
 */
export type TriggerGrants =
  | {
      /** TRIGGER (or ALL) on `*.*`. */
      readonly isGlobal: boolean;
      /**
       * Every database-level grant line, its name as SHOW GRANTS prints it (a pattern:
       * grant-names.ts), and whether it gives TRIGGER. Lines that give other privileges count too:
       * the server takes a database's privileges from the one row that matches it first.
       */
      readonly schemas: ReadonlyArray<{ readonly name: string; readonly hasTrigger: boolean }>;
      readonly tables: ReadonlyArray<{ readonly schema: string; readonly table: string }>;
      /** Databases a partial revoke takes the global TRIGGER away from. */
      readonly revokedSchemas: readonly string[];
    }
  | { readonly unknownBecause: string };

type Token = { kind: "word" | "quoted" | "mark"; text: string };

/** What one line grants or takes back, or why it counts for nothing (null: a line to skip). */
type Line =
  | { kind: "GRANT" | "REVOKE"; privileges: Privilege[]; on: Target | null }
  | { kind: "unreadable"; why: string }
  | null;

type Privilege = { name: string; hasColumns: boolean };
type Target =
  | { level: "global" }
  | { level: "schema"; schema: string }
  | { level: "table"; schema: string; table: string };

export function readTriggerGrants(lines: readonly string[]): TriggerGrants {
  let isGlobal = false;
  const schemas: Array<{ name: string; hasTrigger: boolean }> = [];
  const tables: Array<{ schema: string; table: string }> = [];
  const revokedSchemas: string[] = [];
  for (const text of lines) {
    const line = readLine(text);
    if (line === null) continue;
    if (line.kind === "unreadable") return { unknownBecause: `${line.why}: ${text}` };
    const on = line.on;
    const hasTrigger = line.privileges.some(isTrigger);
    if (line.kind === "GRANT" && on?.level === "schema") schemas.push({ name: on.schema, hasTrigger });
    if (!hasTrigger) continue;
    if (line.kind === "REVOKE") {
      // Partial revokes exist for databases only; any other one is not understood.
      if (on?.level !== "schema") return { unknownBecause: `a REVOKE Sluice cannot read: ${text}` };
      revokedSchemas.push(on.schema);
    } else if (on?.level === "global") isGlobal = true;
    else if (on?.level === "table") tables.push({ schema: on.schema, table: on.table });
  }
  return { isGlobal, schemas, tables, revokedSchemas };
}

/** TRIGGER itself, or ALL, which at every level it can be granted at includes it. */
function isTrigger(privilege: Privilege): boolean {
  return !privilege.hasColumns && ["TRIGGER", "ALL", "ALL PRIVILEGES"].includes(privilege.name);
}

function readLine(text: string): Line {
  const tokens = tokenize(text);
  const kind = tokens[0]?.kind === "word" ? tokens[0].text.toUpperCase() : "";
  if (kind !== "GRANT" && kind !== "REVOKE") return null; // SET DEFAULT ROLE and the like
  const skip: Line = kind === "GRANT" ? null : { kind: "unreadable", why: "a REVOKE Sluice cannot read" };
  const privileges: Privilege[] = [];
  let current: string[] = [];
  let hasColumns = false;
  let depth = 0;
  let at = 1;
  for (; at < tokens.length; at++) {
    const token = tokens[at] as Token;
    if (token.text === "(") depth += 1;
    else if (token.text === ")") depth -= 1;
    else if (depth > 0) hasColumns = true;
    else if (token.kind === "quoted")
      return skip; // a role granted: `GRANT \`r\`@\`%\` TO …`
    else if (token.text === ",") {
      privileges.push({ name: current.join(" ").toUpperCase(), hasColumns });
      current = [];
      hasColumns = false;
    } else if (token.kind === "word" && token.text.toUpperCase() === "ON") break;
    else current.push(token.text);
  }
  if (at >= tokens.length) return skip; // no ON: MariaDB's `GRANT r TO u`
  privileges.push({ name: current.join(" ").toUpperCase(), hasColumns });
  const target = readTarget(tokens, at + 1);
  const follows = tokens[target.next];
  const isFollowed =
    follows?.kind === "word" && follows.text.toUpperCase() === (kind === "GRANT" ? "TO" : "FROM");
  if (target.on === null || !isFollowed) return kind === "GRANT" ? { kind, privileges, on: null } : skip;
  return { kind, privileges, on: target.on };
}

/** `*.*`, `db`.*, `db`.`table` (with an optional TABLE); routines and proxies are no target here. */
function readTarget(tokens: readonly Token[], start: number): { on: Target | null; next: number } {
  let at = start;
  if (tokens[at]?.kind === "word" && tokens[at]?.text.toUpperCase() === "TABLE") at += 1;
  const [first, dot, second] = [tokens[at], tokens[at + 1], tokens[at + 2]];
  if (dot?.text !== "." || first === undefined || second === undefined) return { on: null, next: at };
  const next = at + 3;
  if (first.text === "*" && first.kind === "mark")
    return { on: second.text === "*" && second.kind === "mark" ? { level: "global" } : null, next };
  if (first.kind === "mark") return { on: null, next };
  if (second.kind === "mark")
    return { on: second.text === "*" ? { level: "schema", schema: first.text } : null, next };
  return { on: { level: "table", schema: first.text, table: second.text }, next };
}

/**
 * Words, quoted names (backquotes, or double quotes under ANSI_QUOTES; a doubled quote stands for
 * itself) and single marks. A string literal (a password hash, a host) only ever follows TO.
 */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const ch = text[at] as string;
    if (/\s/.test(ch)) {
      at += 1;
    } else if (ch === "`" || ch === '"' || ch === "'") {
      let value = "";
      let end = at + 1;
      for (; end < text.length; end++) {
        if (text[end] !== ch) value += text[end];
        else if (text[end + 1] === ch) {
          value += ch;
          end += 1;
        } else break;
      }
      tokens.push({ kind: "quoted", text: value });
      at = end + 1;
    } else if (/[A-Za-z0-9_$]/.test(ch)) {
      const word = /^[A-Za-z0-9_$]+/.exec(text.slice(at))?.[0] ?? ch;
      tokens.push({ kind: "word", text: word });
      at += word.length;
    } else {
      tokens.push({ kind: "mark", text: ch });
      at += 1;
    }
  }
  return tokens;
}
