/**
 * JSON numbers and literals checked on their bytes, as the masker reads them: no string is made
 * for the thousands of ids and amounts a large body holds, most of which go out as they came.
 */

enum NumberState {
  Start,
  Minus,
  Zero,
  Integer,
  Point,
  Fraction,
  Exponent,
  ExponentSign,
  ExponentDigits,
}

/** Whether source[from, to) is a JSON number (RFC 8259 §6: no leading zeros, `+`, `.5` or `1.`). */
export function isJsonNumber(source: Uint8Array, from: number, to: number): boolean {
  let state = NumberState.Start;
  for (let i = from; i < to; i++) {
    const byte = source[i] as number;
    const isDigit = byte >= 0x30 && byte <= 0x39;
    switch (state) {
      case NumberState.Start:
        if (byte === 0x2d) state = NumberState.Minus;
        else if (byte === 0x30) state = NumberState.Zero;
        else if (isDigit) state = NumberState.Integer;
        else return false;
        break;
      case NumberState.Minus:
        if (byte === 0x30) state = NumberState.Zero;
        else if (isDigit) state = NumberState.Integer;
        else return false;
        break;
      case NumberState.Zero:
      case NumberState.Integer:
        if (isDigit && state === NumberState.Integer) break;
        if (byte === 0x2e) state = NumberState.Point;
        else if (byte === 0x65 || byte === 0x45) state = NumberState.Exponent;
        else return false;
        break;
      case NumberState.Point:
      case NumberState.Fraction:
        if (isDigit) state = NumberState.Fraction;
        else if (state === NumberState.Fraction && (byte === 0x65 || byte === 0x45))
          state = NumberState.Exponent;
        else return false;
        break;
      case NumberState.Exponent:
        if (byte === 0x2b || byte === 0x2d) state = NumberState.ExponentSign;
        else if (isDigit) state = NumberState.ExponentDigits;
        else return false;
        break;
      case NumberState.ExponentSign:
      case NumberState.ExponentDigits:
        if (!isDigit) return false;
        state = NumberState.ExponentDigits;
        break;
    }
  }
  return (
    state === NumberState.Zero ||
    state === NumberState.Integer ||
    state === NumberState.Fraction ||
    state === NumberState.ExponentDigits
  );
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

/** Whether source[from, to) is `true`, `false` or `null`. */
export function isJsonLiteral(source: Uint8Array, from: number, to: number): boolean {
  const expected = to - from === 5 ? FALSE : to - from === 4 ? (source[from] === 0x74 ? TRUE : NULL) : null;
  if (!expected) return false;
  for (let i = 0; i < expected.length; i++) if (source[from + i] !== expected[i]) return false;
  return true;
}
