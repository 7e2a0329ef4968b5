import { maskDetected } from "@sluice/masking/content-masker";
import { stringTokenText } from "./json-string-token";
import { MAX_JSON_DEPTH, MAX_JSON_TOKEN_BYTES } from "./limits";
import { Output } from "./masker-output";
import { MemberNameVerdicts } from "./member-name-verdicts";
import { type Frame, PointerRuleTree } from "./pointer-rule-tree";
import { maskedJsonValue, type ResponseMasking } from "./value-masking";

/** The response is not the JSON it was declared to be: the rest of it must not reach the agent. */
export class BodyStreamError extends Error {}

enum Expect {
  Value,
  /** After `{`: a member name or `}`. */
  FirstKey,
  Key,
  Colon,
  /** After `[`: a value or `]`. */
  FirstValue,
  /** After a value inside a container: `,` or its close. */
  CommaOrClose,
  /** After the top-level value. */
  End,
}

enum Token {
  None,
  String,
  Number,
  Literal,
  /** A string whose closing quote was read: it ends at the next byte (or the body's end). */
  ClosedString,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NUMBER_TEXT = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/**
 * Masks a JSON (or NDJSON) body as it streams: structure and whitespace are copied through, each
 * string and number is held whole (at most MAX_JSON_TOKEN_BYTES), judged by the pointer rules for
 * its location and the content detectors, and written masked or as it came. Memory is bounded by
 * one token and the nesting stack. Anything that is not JSON throws BodyStreamError: the caller cuts
 * the response there.
 */
export class JsonStreamMasker {
  private expect = Expect.Value;
  private readonly stack: Frame[] = [];
  private token = Token.None;
  private tokenParts: Buffer[] = [];
  private tokenBytes = 0;
  private isTokenKey = false;
  private isEscaped = false;
  /** No byte of the string read so far is above 0x7f: its text is its bytes, no UTF-8 check needed. */
  private isTokenAscii = true;
  /** The string read so far has a backslash: its text needs JSON.parse to unescape. */
  private hasTokenBackslash = false;
  /** The string read so far has a raw control character, which JSON does not allow. */
  private hasTokenControl = false;
  private readonly memberNames: MemberNameVerdicts;
  /** Inside a value a pointer rule replaced whole: parsed, not written, until the stack is this deep. */
  private suppressDepth = -1;
  private offset = 0;
  private readonly rules: PointerRuleTree;

  constructor(
    private readonly masking: ResponseMasking,
    /** NDJSON: one value after another (newline-separated); JSON: exactly one value. */
    private readonly isSequence = false,
  ) {
    this.memberNames = new MemberNameVerdicts(masking);
    this.rules = new PointerRuleTree(masking);
  }

  push(chunk: Buffer): Buffer {
    const out = new Output(chunk.length + 256);
    let copyFrom = 0;
    const flushTo = (end: number) => {
      if (end > copyFrom && this.suppressDepth < 0) out.range(chunk, copyFrom, end);
      copyFrom = end;
    };
    const length = chunk.length;
    for (let i = 0; i < length; i++) {
      if (this.token === Token.String && !this.isEscaped) {
        // The inside of a string, in one tight loop: only a quote or a backslash changes anything.
        let j = i;
        let byte = chunk[j] as number;
        while (byte !== QUOTE && byte !== BACKSLASH) {
          if (byte >= 0x80) this.isTokenAscii = false;
          else if (byte < 0x20) this.hasTokenControl = true;
          if (++j === length) break;
          byte = chunk[j] as number;
        }
        if (j === length) break;
        i = j;
      }
      const byte = chunk[i] as number;
      if (this.token !== Token.None) {
        if (this.continueToken(byte)) continue;
        // The byte ends a number or literal: judge what came, then read the byte as structure.
        this.finishToken(out, chunk, copyFrom, i);
        copyFrom = i;
      }
      if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
      const structural = this.structural(byte, chunk, i, out, flushTo);
      if (structural === "token") copyFrom = i;
    }
    if (this.token !== Token.None) {
      // The stream may reuse the chunk's memory: own what straddles into the next one.
      this.holdToken(Buffer.from(chunk.subarray(copyFrom)));
    } else flushTo(chunk.length);
    this.offset += chunk.length;
    return out.take();
  }

  /** The body ended: a value left open means it was cut short upstream. */
  end(): Buffer {
    const out = new Output(64);
    if (this.token === Token.Number || this.token === Token.Literal || this.token === Token.ClosedString)
      this.finishToken(out, Buffer.alloc(0), 0, 0);
    if (
      this.token !== Token.None ||
      this.stack.length > 0 ||
      (this.expect !== Expect.End && !(this.isSequence && this.expect === Expect.Value))
    )
      throw this.error("the JSON body ended before its value was complete");
    return out.take();
  }

  private structural(
    byte: number,
    chunk: Buffer,
    at: number,
    out: Output,
    flushTo: (end: number) => void,
  ): "token" | "copy" {
    switch (this.expect) {
      case Expect.FirstKey:
      case Expect.Key:
        if (byte === 0x7d && this.expect === Expect.FirstKey) return this.close(true, chunk, at, flushTo);
        if (byte !== QUOTE) throw this.error("expected a member name", at);
        flushTo(at);
        this.startToken(Token.String, true);
        return "token";
      case Expect.Colon:
        if (byte !== 0x3a) throw this.error("expected ':'", at);
        this.expect = Expect.Value;
        return "copy";
      case Expect.CommaOrClose: {
        const frame = this.stack[this.stack.length - 1] as Frame;
        if (byte === 0x2c) {
          this.expect = frame.isObject ? Expect.Key : Expect.Value;
          if (!frame.isObject) frame.index++;
          return "copy";
        }
        return this.close(frame.isObject, chunk, at, flushTo);
      }
      case Expect.End:
        if (!this.isSequence) throw this.error("unexpected text after the JSON value", at);
        this.expect = Expect.Value;
        return this.structural(byte, chunk, at, out, flushTo);
      case Expect.FirstValue:
        if (byte === 0x5d) return this.close(false, chunk, at, flushTo);
        return this.startValue(byte, at, out, flushTo);
      case Expect.Value:
        return this.startValue(byte, at, out, flushTo);
    }
  }

  private startValue(
    byte: number,
    at: number,
    out: Output,
    flushTo: (end: number) => void,
  ): "token" | "copy" {
    const isString = byte === QUOTE;
    const isNumber = byte === 0x2d || (byte >= 0x30 && byte <= 0x39);
    const isLiteral = byte === 0x74 || byte === 0x66 || byte === 0x6e;
    const isContainer = byte === 0x7b || byte === 0x5b;
    if (!isString && !isNumber && !isLiteral && !isContainer)
      throw this.error(`unexpected ${JSON.stringify(String.fromCharCode(byte))}`, at);
    if (isContainer) {
      if (this.stack.length >= MAX_JSON_DEPTH) throw this.error(`nesting deeper than ${MAX_JSON_DEPTH}`, at);
      const rule = this.suppressDepth < 0 ? this.rules.ruleAt(this.stack) : null;
      if (rule) {
        // The whole object or array is replaced: write the placeholder, then read on without writing.
        flushTo(at);
        out.text(maskedJsonValue(rule, "", this.masking.hashKey));
        this.suppressDepth = this.stack.length;
      }
      this.stack.push({
        isObject: byte === 0x7b,
        key: "",
        index: 0,
        node: this.rules.nodeAt(this.stack),
        member: null,
      });
      this.expect = byte === 0x7b ? Expect.FirstKey : Expect.FirstValue;
      if (rule) flushTo(at + 1);
      return "copy";
    }
    flushTo(at);
    this.startToken(isString ? Token.String : isNumber ? Token.Number : Token.Literal, false);
    return "token";
  }

  private close(isObject: boolean, chunk: Buffer, at: number, flushTo: (end: number) => void): "copy" {
    const frame = this.stack[this.stack.length - 1];
    if (!frame || frame.isObject !== isObject || chunk[at] !== (isObject ? 0x7d : 0x5d))
      throw this.error(`unexpected ${JSON.stringify(String.fromCharCode(chunk[at] as number))}`, at);
    this.stack.pop();
    if (this.suppressDepth === this.stack.length) {
      flushTo(at + 1);
      this.suppressDepth = -1;
    }
    this.afterValue();
    return "copy";
  }

  private afterValue(): void {
    this.expect = this.stack.length === 0 ? Expect.End : Expect.CommaOrClose;
  }

  private startToken(kind: Token, isKey: boolean): void {
    this.token = kind;
    this.isTokenKey = isKey;
    this.isEscaped = false;
    this.isTokenAscii = true;
    this.hasTokenBackslash = false;
    this.hasTokenControl = false;
    this.tokenParts = [];
    this.tokenBytes = 0;
  }

  /** Whether the byte belongs to the token being read (a string's closing quote does). */
  private continueToken(byte: number): boolean {
    if (this.token === Token.String) {
      if (byte >= 0x80) this.isTokenAscii = false;
      if (this.isEscaped) this.isEscaped = false;
      else if (byte === BACKSLASH) {
        this.isEscaped = true;
        this.hasTokenBackslash = true;
      } else if (byte === QUOTE) {
        this.token = Token.ClosedString;
        return true;
      }
      return true;
    }
    if (this.token === Token.ClosedString) return false;
    if (this.token === Token.Number)
      return (
        (byte >= 0x30 && byte <= 0x39) ||
        byte === 0x2e ||
        byte === 0x2d ||
        byte === 0x2b ||
        byte === 0x65 ||
        byte === 0x45
      );
    return byte >= 0x61 && byte <= 0x7a;
  }

  /** A token that goes on past the chunk: its bytes so far, owned. */
  private holdToken(part: Buffer): void {
    if (part.length === 0) return;
    this.tokenBytes += part.length;
    if (this.tokenBytes > MAX_JSON_TOKEN_BYTES) throw this.tooLong();
    this.tokenParts.push(part);
  }

  private tooLong(): BodyStreamError {
    return this.error(
      `a JSON value is longer than ${MAX_JSON_TOKEN_BYTES} bytes, more than the gateway holds to mask`,
    );
  }

  /**
   * The token ends at `end` of this chunk (it began at `start`, or in earlier chunks). A token within
   * one chunk is read in place: no Buffer per value (most of a large body's values are small, and
   * an object per value was a third of the masking path's time, in allocation and collection).
   */
  private finishToken(out: Output, chunk: Buffer, start: number, end: number): void {
    let source = chunk;
    let from = start;
    let to = end;
    if (this.tokenParts.length > 0) {
      if (this.tokenBytes + end - start > MAX_JSON_TOKEN_BYTES) throw this.tooLong();
      source = Buffer.concat([...this.tokenParts, chunk.subarray(start, end)]);
      from = 0;
      to = source.length;
    }
    if (to - from > MAX_JSON_TOKEN_BYTES) throw this.tooLong();
    const kind = this.token;
    this.token = Token.None;
    this.tokenParts = [];
    const masked = this.maskToken(kind, source, from, to);
    if (this.suppressDepth >= 0) return;
    if (masked === null) out.range(source, from, to);
    else out.text(masked);
  }

  /** The token at source[from, to)'s replacement as JSON text, or null when it goes as it came. */
  private maskToken(kind: Token, source: Buffer, from: number, to: number): string | null {
    if (kind === Token.ClosedString) {
      const text = this.stringText(source, from, to);
      if (this.isTokenKey) {
        const frame = this.stack[this.stack.length - 1] as Frame;
        frame.key = text;
        frame.member = null;
        this.expect = Expect.Colon;
        return this.memberNames.of(text);
      }
      return this.maskScalar(text, true);
    }
    const text = source.toString("latin1", from, to);
    if (
      kind === Token.Number ? !NUMBER_TEXT.test(text) : text !== "true" && text !== "false" && text !== "null"
    )
      throw this.error(
        `invalid JSON ${kind === Token.Number ? "number" : "literal"} ${JSON.stringify(text.slice(0, 40))}`,
      );
    return this.maskScalar(text, kind === Token.Number);
  }

  /** A closed string token's text (the bytes between its quotes, unescaped); throws when not JSON. */
  private stringText(source: Buffer, from: number, to: number): string {
    try {
      return stringTokenText(source, from, to, {
        isAscii: this.isTokenAscii,
        hasBackslash: this.hasTokenBackslash,
        hasControl: this.hasTokenControl,
      });
    } catch {
      throw this.error("invalid JSON string (escape or UTF-8)");
    }
  }

  private maskScalar(text: string, isScanned: boolean): string | null {
    // The rule is looked up before afterValue: it belongs to the location this value was read at.
    const rule = this.suppressDepth < 0 ? this.rules.ruleAt(this.stack) : null;
    this.afterValue();
    if (this.suppressDepth >= 0) return null;
    if (rule) return maskedJsonValue(rule, text, this.masking.hashKey);
    if (!isScanned || this.masking.detectors.length === 0) return null;
    const masked = maskDetected(text, this.masking.detectors, this.masking.hashKey);
    return masked === null ? null : JSON.stringify(masked);
  }

  private error(message: string, at?: number): BodyStreamError {
    return new BodyStreamError(`${message}${at === undefined ? "" : ` at byte ${this.offset + at}`}`);
  }
}
