// The streaming JSON masker's states and token kinds, and the bytes its tight loops look for.

export enum Expect {
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

/** What a scalar token is, for what masking reads of it (a literal is never scanned). */
export enum ScalarKind {
  String,
  Number,
  Literal,
}

export enum Token {
  None,
  String,
  Number,
  Literal,
  /** A string whose closing quote was read: it ends at the next byte (or the body's end). */
  ClosedString,
}

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;

/** Bytes a JSON number is made of; which order they come in is checked once it ends. */
export function isNumberByte(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2e ||
    byte === 0x2d ||
    byte === 0x2b ||
    (byte | 0x20) === 0x65
  );
}
