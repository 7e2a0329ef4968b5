/**
 * A trigger's compound body (`[label:] BEGIN … END [label]`) split into what the server runs
 * inside it: each plain statement, each expression it evaluates (IF conditions, DECLARE defaults,
 * SIGNAL's items), with the local variables in scope where each stands. The text it reads has been
 * through `readAsServer` (comments out, quotes bounded as the server bounds them), so a `;` or a
 * keyword inside a string or a comment is never seen here.
 *
 * Understood: nested BEGIN … END, DECLARE of variables (with DEFAULT) and of conditions, SET,
 * IF … THEN … [ELSEIF …] [ELSE …] END IF, SIGNAL, LEAVE, and any other statement, which is then
 * read by the grammar as the agent's statements are. Refused (Sluice cannot follow what it runs):
 * loops (LOOP, WHILE, REPEAT, FOR, ITERATE), cursors (DECLARE … CURSOR, OPEN, FETCH, CLOSE),
 * handlers (DECLARE … HANDLER, RESIGNAL, GET DIAGNOSTICS), dynamic SQL (PREPARE, EXECUTE,
 * DEALLOCATE), CALL, RETURN, the CASE statement, and anything else not in this list.
 *
 * @see https://mariadb.com/kb/en/begin-end/
 * @see https://mariadb.com/kb/en/trigger-overview/
 */

/** A piece of the body the grammar reads: a statement, or an expression evaluated in it. */
export type BodyPiece = {
  kind: "statement" | "expression";
  text: string;
  /** The local variables (lower-cased) in scope where the piece stands. */
  locals: ReadonlySet<string>;
};

export type CompoundReading = { ok: true; pieces: BodyPiece[] } | { ok: false; why: string };

/** BEGIN … END blocks nested deeper than this are not followed (the server's own limit is larger). */
const MAX_BLOCK_NESTING = 32;

/** Statements whose first word says they run what Sluice cannot follow, and why. */
const REFUSED_STARTS = new Map<string, string>([
  ["LOOP", "a loop"],
  ["WHILE", "a loop"],
  ["REPEAT", "a loop"],
  ["FOR", "a loop"],
  ["ITERATE", "a loop"],
  ["OPEN", "a cursor"],
  ["FETCH", "a cursor"],
  ["CLOSE", "a cursor"],
  ["PREPARE", "dynamic SQL (PREPARE)"],
  ["EXECUTE", "dynamic SQL (EXECUTE)"],
  ["DEALLOCATE", "dynamic SQL (DEALLOCATE PREPARE)"],
  ["CALL", "a stored procedure call"],
  ["RETURN", "RETURN"],
  ["CASE", "a CASE statement"],
  ["RESIGNAL", "a handler (RESIGNAL)"],
  ["GET", "a handler (GET DIAGNOSTICS)"],
]);

/** Whether the body is a compound statement (possibly labelled), as the server stores it. */
export function isCompoundBody(text: string): boolean {
  const tokens = tokenize(text);
  if (!tokens) return false;
  const start = tokens[1]?.text === ":" ? 2 : 0;
  return upper(tokens[start]) === "BEGIN";
}

/** The pieces of a compound body, or why it is not one Sluice can follow. */
export function splitCompoundBody(text: string): CompoundReading {
  const tokens = tokenize(text);
  if (!tokens) return { ok: false, why: "it holds a character Sluice does not read in a compound body" };
  const reader = new BodyReader(text, tokens);
  try {
    reader.block(new Set(), 0);
    if (!reader.isAtEnd()) throw new NotFollowed("text after the body's END");
    return { ok: true, pieces: reader.pieces };
  } catch (error) {
    if (error instanceof NotFollowed) return { ok: false, why: `its compound body holds ${error.message}` };
    throw error;
  }
}

class NotFollowed extends Error {}

type Token = { text: string; start: number; end: number; isWord: boolean };

class BodyReader {
  readonly pieces: BodyPiece[] = [];
  private at = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
  ) {}

  isAtEnd(): boolean {
    return this.at >= this.tokens.length;
  }

  /** `[label:] BEGIN [NOT ATOMIC] statements END [label]`. */
  block(outer: ReadonlySet<string>, depth: number): void {
    if (depth > MAX_BLOCK_NESTING) throw new NotFollowed(`blocks nested deeper than ${MAX_BLOCK_NESTING}`);
    if (this.peek(1)?.text === ":") this.at += 2;
    this.expect("BEGIN");
    if (this.peekWord() === "NOT") {
      this.at += 1;
      this.expect("ATOMIC");
    }
    const locals = new Set(outer);
    this.statements(locals, depth, ["END"]);
    this.expect("END");
    // An optional closing label; a `;` or the end follows.
    if (this.peek()?.isWord && this.peekWord() !== "END") this.at += 1;
  }

  /** Statements up to (not including) one of the words that end their list. */
  private statements(locals: Set<string>, depth: number, until: readonly string[]): void {
    while (!until.includes(this.peekWord() ?? "")) {
      if (this.isAtEnd()) throw new NotFollowed(`a block without ${until.join(" or ")}`);
      this.statement(locals, depth);
      this.expect(";");
    }
  }

  private statement(locals: Set<string>, depth: number): void {
    const first = this.peekWord();
    const labelled = this.peek(1)?.text === ":";
    const head = labelled ? upper(this.peek(2)) : first;
    if (head === "BEGIN") {
      this.block(locals, depth + 1);
      return;
    }
    if (labelled) throw new NotFollowed(`a labelled ${head ?? "statement"}`);
    if (first === null) throw new NotFollowed(`"${this.peek()?.text ?? ""}" where a statement starts`);
    const refused = REFUSED_STARTS.get(first);
    if (refused) throw new NotFollowed(refused);
    if (first === "DECLARE") this.declare(locals);
    else if (first === "IF") this.ifStatement(locals, depth);
    else if (first === "SIGNAL") this.signal(locals);
    else if (first === "LEAVE") {
      this.at += 1;
      if (!this.peek()?.isWord) throw new NotFollowed("LEAVE without a label");
      this.at += 1;
    } else this.pieces.push({ kind: "statement", text: this.sliceUntil([";"]), locals: new Set(locals) });
  }

  /** `DECLARE v[, w] type [DEFAULT expr]` or `DECLARE name CONDITION FOR …`. */
  private declare(locals: Set<string>): void {
    this.at += 1;
    const names: string[] = [];
    for (;;) {
      const name = this.peek();
      if (!name?.isWord) throw new NotFollowed("a DECLARE without a name");
      names.push(identifier(name.text).toLowerCase());
      this.at += 1;
      if (this.peek()?.text !== ",") break;
      this.at += 1;
    }
    const kind = this.peekWord();
    if (kind === "CURSOR") throw new NotFollowed("a cursor");
    if (kind === "CONDITION") {
      this.sliceUntil([";"]);
      return;
    }
    // `DECLARE CONTINUE HANDLER FOR …`: the words before HANDLER were read as names.
    if (kind === "HANDLER") throw new NotFollowed("a handler (DECLARE … HANDLER)");
    const rest = this.tokensUntil([";"]);
    if (rest.some((token) => upper(token) === "HANDLER"))
      throw new NotFollowed("a handler (DECLARE … HANDLER)");
    for (const name of names) {
      // NEW and OLD are the written row: a variable of that name would change what `new.x` reads.
      if (name === "new" || name === "old") throw new NotFollowed(`a variable named ${name}`);
    }
    const defaultAt = rest.findIndex((token) => upper(token) === "DEFAULT");
    if (defaultAt >= 0) {
      const from = rest[defaultAt + 1];
      const to = rest.at(-1);
      if (!from || !to) throw new NotFollowed("a DEFAULT without a value");
      // The default is evaluated where the DECLARE stands: the block's earlier variables only.
      this.pieces.push({
        kind: "expression",
        text: this.text.slice(from.start, to.end),
        locals: new Set(locals),
      });
    }
    for (const name of names) locals.add(name);
  }

  /** `IF cond THEN statements [ELSEIF cond THEN statements]… [ELSE statements] END IF`. */
  private ifStatement(locals: Set<string>, depth: number): void {
    for (;;) {
      this.at += 1; // IF or ELSEIF
      this.pieces.push({ kind: "expression", text: this.sliceUntil(["THEN"]), locals: new Set(locals) });
      this.expect("THEN");
      this.statements(locals, depth, ["ELSEIF", "ELSE", "END"]);
      if (this.peekWord() !== "ELSEIF") break;
    }
    if (this.peekWord() === "ELSE") {
      this.at += 1;
      this.statements(locals, depth, ["END"]);
    }
    this.expect("END");
    this.expect("IF");
  }

  /** `SIGNAL SQLSTATE [VALUE] '…' | condition [SET item = value, …]`: each value is evaluated. */
  private signal(locals: Set<string>): void {
    this.at += 1;
    const rest = this.tokensUntil([";"]);
    const setAt = rest.findIndex((token) => upper(token) === "SET");
    if (setAt < 0) return;
    let item: Token[] = [];
    const items: Token[][] = [];
    let parens = 0;
    for (const token of rest.slice(setAt + 1)) {
      if (token.text === "(") parens += 1;
      if (token.text === ")") parens -= 1;
      if (token.text === "," && parens === 0) {
        items.push(item);
        item = [];
      } else item.push(token);
    }
    items.push(item);
    for (const tokens of items) {
      const [name, equals, from] = tokens;
      const to = tokens.at(-1);
      if (!name?.isWord || equals?.text !== "=" || !from || !to)
        throw new NotFollowed("a SIGNAL item Sluice cannot read");
      this.pieces.push({
        kind: "expression",
        text: this.text.slice(from.start, to.end),
        locals: new Set(locals),
      });
    }
  }

  /** The text from here up to (not including) the first of `stops` outside parentheses. */
  private sliceUntil(stops: readonly string[]): string {
    const tokens = this.tokensUntil(stops);
    const [first] = tokens;
    const last = tokens.at(-1);
    if (!first || !last) throw new NotFollowed("an empty statement or condition");
    return this.text.slice(first.start, last.end);
  }

  private tokensUntil(stops: readonly string[]): Token[] {
    const taken: Token[] = [];
    let parens = 0;
    let cases = 0;
    for (; this.at < this.tokens.length; this.at++) {
      const token = this.tokens[this.at] as Token;
      const word = upper(token);
      if (parens === 0 && cases === 0 && (stops.includes(token.text) || (word && stops.includes(word))))
        break;
      if (token.text === "(") parens += 1;
      if (token.text === ")") parens -= 1;
      // A CASE expression's THEN and END are its own, not the IF's.
      if (word === "CASE") cases += 1;
      if (word === "END" && cases > 0) cases -= 1;
      if (parens < 0) throw new NotFollowed("unbalanced parentheses");
      // A BEGIN where a statement's text goes on is a block Sluice did not expect here.
      if (word === "BEGIN") throw new NotFollowed("BEGIN inside a statement");
      taken.push(token);
    }
    if (this.at >= this.tokens.length) throw new NotFollowed(`no ${stops.join(" or ")} where one was due`);
    return taken;
  }

  private expect(word: string): void {
    const token = this.peek();
    if (!token || (token.text !== word && upper(token) !== word))
      throw new NotFollowed(`"${token?.text ?? "the end"}" where ${word} was due`);
    this.at += 1;
  }

  private peek(ahead = 0): Token | undefined {
    return this.tokens[this.at + ahead];
  }

  private peekWord(): string | null {
    return upper(this.peek());
  }
}

/** A bare word's upper case (keywords), null for anything else (quoted names, strings, symbols). */
function upper(token: Token | undefined): string | null {
  return token?.isWord && !token.text.startsWith("`") ? token.text.toUpperCase() : null;
}

function identifier(text: string): string {
  return text.startsWith("`") ? text.slice(1, -1).replaceAll("``", "`") : text;
}

const WORD = /[\p{L}\p{N}_$]/u;
const SPACE = /\s/u;

/**
 * Words (bare or backquoted), strings, and single symbols, with their offsets. The text has been
 * read as the server reads it, so quotes are balanced; null if one is not.
 */
function tokenize(text: string): Token[] | null {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const ch = text[at] as string;
    if (SPACE.test(ch)) {
      at += 1;
      continue;
    }
    const start = at;
    if (ch === "'" || ch === '"' || ch === "`") {
      at += 1;
      for (;;) {
        if (at >= text.length) return null;
        if (text[at] === "\\" && ch !== "`") at += 2;
        else if (text[at] === ch && text[at + 1] === ch) at += 2;
        else if (text[at] === ch) break;
        else at += 1;
      }
      at += 1;
      tokens.push({ text: text.slice(start, at), start, end: at, isWord: ch === "`" });
      continue;
    }
    if (WORD.test(ch)) {
      while (at < text.length && WORD.test(text[at] as string)) at += 1;
      tokens.push({ text: text.slice(start, at), start, end: at, isWord: true });
      continue;
    }
    at += 1;
    tokens.push({ text: ch, start, end: at, isWord: false });
  }
  return tokens;
}
