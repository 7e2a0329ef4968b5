// The streaming JSON masker as of b41f8e8, before its tokenizer was made faster: the oracle of
// test/json-stream-masker-differential.test.ts (with the helpers it changed beside it). Not used by the
// gateway; change it only to follow a deliberate change of what the masker outputs.
import { isUtf8 } from "node:buffer";
import { type ByteGates, GateVerdict } from "@sluice/masking/byte-gates";
import { maskDetected } from "@sluice/masking/content-masker";
import { isJsonLiteral, isJsonNumber } from "../../src/json-scalar-bytes";
import { BACKSLASH, Expect, isNumberByte, QUOTE, ScalarKind, Token } from "../../src/json-stream-states";
import { stringTokenText } from "../../src/json-string-token";
import { MAX_JSON_DEPTH, MAX_JSON_TOKEN_BYTES } from "../../src/limits";
import { maskedJsonValue, type ResponseMasking } from "../../src/value-masking";
import { MaskedScalarBytes, type Replacement, writeReplacement } from "./masked-scalar-bytes";
import { Output } from "./masker-output";
import { lookupsFor } from "./masking-lookups";
import type { MemberNameVerdicts } from "./member-name-verdicts";
import type { Frame, PointerRuleTree } from "./pointer-rule-tree";

/** The response is not the JSON it was declared to be: the rest of it must not reach the agent. */
export class BodyStreamError extends Error {}

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
  private readonly rules: PointerRuleTree;
  private readonly byteGates: ByteGates;
  private readonly maskedBytes: MaskedScalarBytes;

  constructor(
    private readonly masking: ResponseMasking,
    /** NDJSON: one value after another (newline-separated); JSON: exactly one value. */
    private readonly isSequence = false,
  ) {
    const lookups = lookupsFor(masking);
    this.memberNames = lookups.memberNames;
    this.rules = lookups.rules;
    this.byteGates = lookups.byteGates;
    this.maskedBytes = new MaskedScalarBytes(masking);
  }

  push(chunk: Buffer): Buffer {
    const out = new Output(chunk.length + 256);
    // Bytes from copyFrom on are not written yet: a value that goes as it came is never copied on
    // its own, only with the structure around it when something before it is replaced or the chunk ends.
    let copyFrom = 0;
    let tokenFrom = 0;
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
      if (this.token === Token.Number) {
        // A number's digits, likewise: it ends at the first byte that cannot be part of one.
        let j = i;
        while (j < length && isNumberByte(chunk[j] as number)) j++;
        if (j === length) break;
        i = j;
      }
      const byte = chunk[i] as number;
      if (this.token !== Token.None) {
        if (this.continueToken(byte)) continue;
        // The byte ends a number or literal: judge what came, then read the byte as structure.
        const masked = this.finishToken(chunk, tokenFrom, i);
        if (masked !== null) {
          // Held parts were written (or dropped) when their chunk ended: only this chunk's part is left.
          flushTo(tokenFrom);
          if (this.suppressDepth < 0) writeReplacement(out, masked);
          copyFrom = i;
        } else if (this.tokenParts.length > 0) {
          if (this.suppressDepth < 0) for (const part of this.tokenParts) out.bytes(part);
          flushTo(i);
        }
        // Most tokens lie within one chunk and hold no parts: no new array per token to collect.
        if (this.tokenParts.length > 0) this.tokenParts = [];
      }
      if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
      const structural = this.structural(byte, chunk, i, out, flushTo);
      if (structural === "token") tokenFrom = i;
    }
    if (this.token !== Token.None) {
      // What comes before the token is written; the stream may reuse the chunk's memory, so what
      // straddles into the next one is owned (and written once its verdict is known).
      flushTo(tokenFrom);
      this.holdToken(Buffer.from(chunk.subarray(tokenFrom)));
      copyFrom = length;
    } else flushTo(length);
    this.offset += chunk.length;
    return out.take();
  }

  /** The body ended: a value left open means it was cut short upstream. */
  end(): Buffer {
    const out = new Output(64);
    if (this.token === Token.Number || this.token === Token.Literal || this.token === Token.ClosedString) {
      const masked = this.finishToken(EMPTY, 0, 0);
      if (this.suppressDepth < 0)
        if (masked !== null) writeReplacement(out, masked);
        else for (const part of this.tokenParts) out.bytes(part);
      this.tokenParts = [];
    }
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
    const isPlain = this.isTokenAscii && !this.hasTokenBackslash && !this.hasTokenControl;
    const name =
      (isPlain ? this.memberNames.known(source, from, to) : null) ??
      this.memberNames.read(this.stringText(source, from, to), source, from, to, isPlain);
    const frame = this.stack[this.stack.length - 1] as Frame;
    frame.key = name.name;
    frame.member = null;
    this.expect = Expect.Colon;
    return name.verdict;
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
    // An ASCII value whose bytes are its text is masked from its bytes (no string made of it).
    const isAsciiBytes = text === null && (kind !== ScalarKind.String || this.isTokenAscii);
    // No closure for the text: tsx names every arrow function it creates, a cost per value.
    if (rule) {
      if (isAsciiBytes && this.maskedBytes.byRule(rule, source, from, to)) return this.maskedBytes;
      return maskedJsonValue(
        rule,
        rule.strategy === "REDACT" ? "" : (text ?? this.scalarText(source, from, to, kind)),
        this.masking.hashKey,
      );
    }
    if (kind === ScalarKind.Literal || this.masking.detectors.length === 0) return null;
    const gates = text === null ? this.byteGates.verdict(source, from, to) : GateVerdict.Any;
    if (gates === GateVerdict.None) return null;
    const isEmailOnly = gates === GateVerdict.EmailOnly;
    if (isAsciiBytes)
      return this.maskedBytes.byDetectors(source, from, to, isEmailOnly) ? this.maskedBytes : null;
    const value = text ?? this.scalarText(source, from, to, kind);
    const masked = maskDetected(value, this.masking.detectors, this.masking.hashKey);
    return masked === null ? null : JSON.stringify(masked);
  }

  /** The text of an escape-free scalar whose UTF-8 (checked already) is source[from, to). */
  private scalarText(source: Buffer, from: number, to: number, kind: ScalarKind): string {
    return kind !== ScalarKind.String || this.isTokenAscii
      ? source.toString("latin1", from, to)
      : source.toString("utf8", from, to);
  }

  private error(message: string, at?: number): BodyStreamError {
    return new BodyStreamError(`${message}${at === undefined ? "" : ` at byte ${this.offset + at}`}`);
  }
}
