import { isUtf8 } from "node:buffer";
import { BodyStreamError } from "./body-stream-error";
import { isJsonLiteral, isJsonNumber } from "./json-scalar-bytes";
import {
  BACKSLASH,
  Expect,
  isNumberByte,
  QUOTE,
  ScalarKind,
  STRING_BYTE,
  StringByte,
  Token,
} from "./json-stream-states";
import { stringTokenText } from "./json-string-token";
import { MAX_JSON_DEPTH, MAX_JSON_TOKEN_BYTES } from "./limits";
import { type Replacement, writeReplacement } from "./masked-scalar-bytes";
import { Output } from "./masker-output";
import { lookupsFor, type MaskingLookups } from "./masking-lookups";
import { nameMember } from "./member-name-guesses";
import type { MemberNameVerdicts } from "./member-name-verdicts";
import type { Frame, PointerRuleTree } from "./pointer-rule-tree";
import { scalarReplacement } from "./scalar-replacement";
import { maskedJsonValue, type ResponseMasking } from "./value-masking";

export { BodyStreamError };

const EMPTY = Buffer.alloc(0);

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
  /** Bytes of the chunk being pushed from here on are not written yet (see push). */
  private copyFrom = 0;
  private readonly rules: PointerRuleTree;
  private readonly lookups: MaskingLookups;

  constructor(
    private readonly masking: ResponseMasking,
    /** NDJSON: one value after another (newline-separated); JSON: exactly one value. */
    private readonly isSequence = false,
  ) {
    const lookups = lookupsFor(masking);
    this.memberNames = lookups.memberNames;
    this.rules = lookups.rules;
    this.lookups = lookups;
  }

  push(chunk: Buffer): Buffer {
    const out = new Output(chunk.length + 256);
    // Bytes from copyFrom on are not written yet: a value that goes as it came is never copied on
    // its own, only with the structure around it when something before it is replaced or the chunk ends.
    this.copyFrom = 0;
    let tokenFrom = 0;
    const length = chunk.length;
    for (let i = 0; i < length; i++) {
      const token = this.token;
      if (token === Token.String && !this.isEscaped) {
        // The inside of a string, in one tight loop: one table read per byte, and only a quote or
        // a backslash stops it (a byte above 0x7f or a control character is noted on the way).
        let j = i;
        let seen = STRING_BYTE[chunk[j] as number] as number;
        while (seen !== StringByte.Stop) {
          if (seen === StringByte.High) this.isTokenAscii = false;
          else if (seen === StringByte.Control) this.hasTokenControl = true;
          if (++j === length) break;
          seen = STRING_BYTE[chunk[j] as number] as number;
        }
        if (j === length) break;
        i = j;
        if (chunk[i] === QUOTE) {
          // Closed: its verdict is taken at the next byte, which is read as structure.
          this.token = Token.ClosedString;
          continue;
        }
      } else if (token === Token.Number) {
        // A number's digits, likewise: it ends at the first byte that cannot be part of one.
        let j = i;
        while (j < length && isNumberByte(chunk[j] as number)) j++;
        if (j === length) break;
        i = j;
      }
      const byte = chunk[i] as number;
      if (token !== Token.None) {
        // A closed string and a scanned number end here; an escape and a literal go on byte by byte.
        if (token !== Token.ClosedString && token !== Token.Number && this.continueToken(byte)) continue;
        // The byte ends a number or literal: judge what came, then read the byte as structure.
        const masked = this.finishToken(chunk, tokenFrom, i);
        if (masked !== null) {
          // Held parts were written (or dropped) when their chunk ended: only this chunk's part is left.
          this.flushTo(out, chunk, tokenFrom);
          if (this.suppressDepth < 0) writeReplacement(out, masked);
          this.copyFrom = i;
        } else if (this.tokenParts.length > 0) {
          if (this.suppressDepth < 0) for (const part of this.tokenParts) out.bytes(part);
          this.flushTo(out, chunk, i);
        }
        // Most tokens lie within one chunk and hold no parts: no new array per token to collect.
        if (this.tokenParts.length > 0) this.tokenParts = [];
      }
      if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
      const structural = this.structural(byte, chunk, i, out);
      if (structural === "token") tokenFrom = i;
    }
    if (this.token !== Token.None) {
      // What comes before the token is written; the stream may reuse the chunk's memory, so what
      // straddles into the next one is owned (and written once its verdict is known).
      this.flushTo(out, chunk, tokenFrom);
      this.holdToken(Buffer.from(chunk.subarray(tokenFrom)));
      this.copyFrom = length;
    } else this.flushTo(out, chunk, length);
    this.offset += chunk.length;
    return out.take();
  }

  /** The body ended: a value left open means it was cut short upstream. */
  end(): Buffer {
    // Most bodies end after a container's close: nothing is left to write, and nothing is allocated.
    let tail: Buffer = EMPTY;
    if (this.token === Token.Number || this.token === Token.Literal || this.token === Token.ClosedString) {
      const out = new Output(64);
      const masked = this.finishToken(EMPTY, 0, 0);
      if (this.suppressDepth < 0)
        if (masked !== null) writeReplacement(out, masked);
        else for (const part of this.tokenParts) out.bytes(part);
      this.tokenParts = [];
      tail = out.take();
    }
    if (
      this.token !== Token.None ||
      this.stack.length > 0 ||
      (this.expect !== Expect.End && !(this.isSequence && this.expect === Expect.Value))
    )
      throw this.error("the JSON body ended before its value was complete");
    return tail;
  }

  private structural(byte: number, chunk: Buffer, at: number, out: Output): "token" | "copy" {
    switch (this.expect) {
      case Expect.FirstKey:
      case Expect.Key:
        if (byte === 0x7d && this.expect === Expect.FirstKey) return this.close(true, chunk, at, out);
        if (byte !== QUOTE) throw this.error("expected a member name", at);
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
        return this.close(frame.isObject, chunk, at, out);
      }
      case Expect.End:
        if (!this.isSequence) throw this.error("unexpected text after the JSON value", at);
        this.expect = Expect.Value;
        return this.structural(byte, chunk, at, out);
      case Expect.FirstValue:
        if (byte === 0x5d) return this.close(false, chunk, at, out);
        return this.startValue(byte, chunk, at, out);
      case Expect.Value:
        return this.startValue(byte, chunk, at, out);
    }
  }

  private startValue(byte: number, chunk: Buffer, at: number, out: Output): "token" | "copy" {
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
        this.flushTo(out, chunk, at);
        out.text(maskedJsonValue(rule, "", this.masking.hashKey));
        this.suppressDepth = this.stack.length;
      }
      this.stack.push({
        isObject: byte === 0x7b,
        key: "",
        index: 0,
        node: this.rules.nodeAt(this.stack),
        member: null,
        name: null,
      });
      this.expect = byte === 0x7b ? Expect.FirstKey : Expect.FirstValue;
      if (rule) this.flushTo(out, chunk, at + 1);
      return "copy";
    }
    this.startToken(isString ? Token.String : isNumber ? Token.Number : Token.Literal, false);
    return "token";
  }

  private close(isObject: boolean, chunk: Buffer, at: number, out: Output): "copy" {
    const frame = this.stack[this.stack.length - 1];
    if (!frame || frame.isObject !== isObject || chunk[at] !== (isObject ? 0x7d : 0x5d))
      throw this.error(`unexpected ${JSON.stringify(String.fromCharCode(chunk[at] as number))}`, at);
    this.stack.pop();
    if (this.suppressDepth === this.stack.length) {
      this.flushTo(out, chunk, at + 1);
      this.suppressDepth = -1;
    }
    this.afterValue();
    return "copy";
  }

  /**
   * Writes the chunk's bytes from copyFrom to `end` (unless inside a value replaced whole). A method
   * rather than a closure per push: no function object (named by tsx) per chunk or small body.
   */
  private flushTo(out: Output, chunk: Buffer, end: number): void {
    if (end > this.copyFrom && this.suppressDepth < 0) out.range(chunk, this.copyFrom, end);
    this.copyFrom = end;
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
    if (this.tokenParts.length > 0) this.tokenParts = [];
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
    if (this.token === Token.Number) return isNumberByte(byte);
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
   * The token ends at `end` of this chunk (it began at `start`, or in earlier chunks, whose parts
   * are held): its replacement as JSON text, or null when it goes as it came. A token within one
   * chunk is read in place: no Buffer per value (most of a large body's values are small, and an
   * object per value was a third of the masking path's time, in allocation and collection).
   */
  private finishToken(chunk: Buffer, start: number, end: number): Replacement {
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
    if (kind === Token.ClosedString)
      return this.isTokenKey ? this.readMemberName(source, from, to) : this.maskString(source, from, to);
    if (kind === Token.Number ? !isJsonNumber(source, from, to) : !isJsonLiteral(source, from, to)) {
      const text = source.toString("latin1", from, Math.min(to, from + 40));
      throw this.error(
        `invalid JSON ${kind === Token.Number ? "number" : "literal"} ${JSON.stringify(text)}`,
      );
    }
    return this.maskScalar(source, from, to, kind === Token.Number ? ScalarKind.Number : ScalarKind.Literal);
  }

  /** A member name: the frame's key for the rules, and its replacement when a detector finds it. */
  private readMemberName(source: Buffer, from: number, to: number): string | null {
    this.expect = Expect.Colon;
    // The token's shape as flags, not an object: a name found again allocates nothing.
    const { isTokenAscii, hasTokenBackslash, hasTokenControl } = this;
    return nameMember(
      this.memberNames,
      this.stack,
      source,
      from,
      to,
      isTokenAscii,
      hasTokenBackslash,
      hasTokenControl,
    );
  }

  /**
   * A string value. One with no escape is checked (UTF-8, no control characters) on its bytes,
   * and decoded only when a rule or a detector needs its text.
   */
  private maskString(source: Buffer, from: number, to: number): Replacement {
    if (this.hasTokenBackslash || this.hasTokenControl) {
      const text = this.stringText(source, from, to);
      return this.maskScalar(source, from, to, ScalarKind.String, text);
    }
    if (!this.isTokenAscii && !isUtf8(source.subarray(from, to)))
      throw this.error("invalid JSON string (escape or UTF-8)");
    // Quotes excluded: the bytes between them are the text's UTF-8.
    return this.maskScalar(source, from + 1, to - 1, ScalarKind.String);
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

  /**
   * A value's replacement, or null. `text` is its text when already decoded; otherwise
   * source[from, to) is its UTF-8 (a string's without the quotes), decoded only if needed.
   */
  private maskScalar(
    source: Buffer,
    from: number,
    to: number,
    kind: ScalarKind,
    text: string | null = null,
  ): Replacement {
    // The rule is looked up before afterValue: it belongs to the location this value was read at.
    const rule = this.suppressDepth < 0 ? this.rules.ruleAt(this.stack) : null;
    this.afterValue();
    if (this.suppressDepth >= 0) return null;
    return scalarReplacement(
      this.masking,
      this.lookups,
      rule,
      source,
      from,
      to,
      kind,
      this.isTokenAscii,
      text,
    );
  }

  private error(message: string, at?: number): BodyStreamError {
    return new BodyStreamError(`${message}${at === undefined ? "" : ` at byte ${this.offset + at}`}`);
  }
}
