import { MAX_JSON_DEPTH } from "./limits";

/** Why a body is not the one JSON value every parser reads the same way, with where. */
export class StrictJsonError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
  }
}

/**
 * Parses JSON (RFC 8259) strictly: a member name given twice in one object is refused (parsers keep
 * the first or the last, so a rule and the upstream could read different values), names are
 * compared after unescaping (`"a"` and `"\u0061"` are the same name) and without case, lone
 * surrogates and NUL characters are refused,
 * and nesting is bounded. Objects come back with a null prototype, so `__proto__` is an ordinary name.
 * @see https://www.rfc-editor.org/rfc/rfc8259
 */
export function parseStrictJson(text: string): unknown {
  const parser = new StrictParser(text);
  parser.skipSpace();
  const value = parser.value(0);
  parser.skipSpace();
  if (parser.at < text.length) throw new StrictJsonError("unexpected text after the JSON value", parser.at);
  return value;
}

class StrictParser {
  at = 0;
  constructor(private readonly text: string) {}

  skipSpace(): void {
    while (this.at < this.text.length) {
      const code = this.text.charCodeAt(this.at);
      if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return;
      this.at++;
    }
  }

  value(depth: number): unknown {
    if (depth > MAX_JSON_DEPTH) throw new StrictJsonError(`nesting deeper than ${MAX_JSON_DEPTH}`, this.at);
    const char = this.text[this.at];
    switch (char) {
      case "{":
        return this.object(depth);
      case "[":
        return this.array(depth);
      case '"':
        return this.string();
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", null);
      default:
        if (char === "-" || (char !== undefined && char >= "0" && char <= "9")) return this.number();
        throw new StrictJsonError(
          char === undefined ? "unexpected end of JSON" : `unexpected ${JSON.stringify(char)}`,
          this.at,
        );
    }
  }

  private object(depth: number): Record<string, unknown> {
    const result: Record<string, unknown> = Object.create(null);
    const names = new Set<string>();
    this.at++;
    this.skipSpace();
    if (this.text[this.at] === "}") {
      this.at++;
      return result;
    }
    for (;;) {
      if (this.text[this.at] !== '"') throw new StrictJsonError("expected a member name", this.at);
      const nameAt = this.at;
      const name = this.string();
      // Names equal but for case count as the same name: some upstreams bind members without case
      // (ASP.NET Core's web defaults, Jackson's case-insensitive option), so `Role` is `role` there.
      const folded = name.toLowerCase();
      if (names.has(folded))
        throw new StrictJsonError(
          `member name ${JSON.stringify(name)} appears twice in one object (names are compared without case)`,
          nameAt,
        );
      names.add(folded);
      this.skipSpace();
      this.expect(":");
      this.skipSpace();
      result[name] = this.value(depth + 1);
      this.skipSpace();
      if (this.text[this.at] === ",") {
        this.at++;
        this.skipSpace();
        continue;
      }
      this.expect("}");
      return result;
    }
  }

  private array(depth: number): unknown[] {
    const result: unknown[] = [];
    this.at++;
    this.skipSpace();
    if (this.text[this.at] === "]") {
      this.at++;
      return result;
    }
    for (;;) {
      result.push(this.value(depth + 1));
      this.skipSpace();
      if (this.text[this.at] === ",") {
        this.at++;
        this.skipSpace();
        continue;
      }
      this.expect("]");
      return result;
    }
  }

  private string(): string {
    const start = this.at;
    this.at++;
    let out = "";
    for (;;) {
      const char = this.text[this.at];
      if (char === undefined) throw new StrictJsonError("unterminated string", start);
      const code = char.charCodeAt(0);
      if (char === '"') {
        this.at++;
        return out;
      }
      if (code < 0x20) throw new StrictJsonError("control character in a string", this.at);
      if (code >= 0xd800 && code <= 0xdfff) {
        const next = this.text.charCodeAt(this.at + 1);
        if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff))
          throw new StrictJsonError("lone surrogate", this.at);
        out += char + this.text[this.at + 1];
        this.at += 2;
        continue;
      }
      if (char !== "\\") {
        out += char;
        this.at++;
        continue;
      }
      const escaped = this.text[this.at + 1];
      this.at += 2;
      switch (escaped) {
        case '"':
        case "\\":
        case "/":
          out += escaped;
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "n":
          out += "\n";
          break;
        case "r":
          out += "\r";
          break;
        case "t":
          out += "\t";
          break;
        case "u":
          out += this.unicodeEscape();
          break;
        default:
          throw new StrictJsonError("invalid escape", this.at - 2);
      }
    }
  }

  private unicodeEscape(): string {
    const unit = this.hex4();
    // Readers in C end a string at NUL: "admin\u0000x" is "admin" to them and not to a rule.
    if (unit === 0)
      throw new StrictJsonError("\\u0000 in a string (some readers end the string there)", this.at - 6);
    if (unit < 0xd800 || unit > 0xdfff) return String.fromCharCode(unit);
    if (unit > 0xdbff || this.text.slice(this.at, this.at + 2) !== "\\u")
      throw new StrictJsonError("lone surrogate escape", this.at - 6);
    this.at += 2;
    const low = this.hex4();
    if (low < 0xdc00 || low > 0xdfff) throw new StrictJsonError("lone surrogate escape", this.at - 6);
    return String.fromCharCode(unit, low);
  }

  private hex4(): number {
    const hex = this.text.slice(this.at, this.at + 4);
    if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw new StrictJsonError("invalid \\u escape", this.at);
    this.at += 4;
    return Number.parseInt(hex, 16);
  }

  private number(): number {
    const match = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(
      this.text.slice(this.at, this.at + 400),
    );
    if (!match) throw new StrictJsonError("invalid number", this.at);
    this.at += match[0].length;
    return Number(match[0]);
  }

  private literal<T>(word: string, value: T): T {
    if (this.text.slice(this.at, this.at + word.length) !== word)
      throw new StrictJsonError("invalid literal", this.at);
    this.at += word.length;
    return value;
  }

  private expect(char: string): void {
    if (this.text[this.at] !== char) throw new StrictJsonError(`expected ${JSON.stringify(char)}`, this.at);
    this.at++;
  }
}
