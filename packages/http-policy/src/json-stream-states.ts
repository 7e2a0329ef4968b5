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

/** What a byte inside a JSON string means to the scan: nothing, the end of the run, or a note. */
export enum StringByte {
  Plain = 0,
  /** A quote or a backslash: the string ends or an escape starts. */
  Stop = 1,
  /** Above 0x7f: the string is not ASCII (its UTF-8 is checked once it ends). */
  High = 2,
  /** Below 0x20: not allowed raw in a JSON string. */
  Control = 3,
}
export const STRING_BYTE = new Uint8Array(256);
for (let byte = 0; byte < 0x20; byte++) STRING_BYTE[byte] = StringByte.Control;
for (let byte = 0x80; byte < 0x100; byte++) STRING_BYTE[byte] = StringByte.High;
STRING_BYTE[QUOTE] = StringByte.Stop;
STRING_BYTE[BACKSLASH] = StringByte.Stop;
