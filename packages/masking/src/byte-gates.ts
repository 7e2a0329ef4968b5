// Whether any content detector could match a value, read from its UTF-8 bytes without decoding it.
import type { DetectorName } from "./detectors";

/**
 * Bytes some detector needs at least one of. In UTF-8 every byte of a multi-byte character is
 * above 0x7f, so an ASCII byte in the value is that character in its text, and the count of ASCII
 * digits is the text's: these checks read the same facts `statsOf` and the gates read, only fewer.
 */
enum ByteClass {
  At = 1,
  Dash = 2,
  Dot = 4,
  Colon = 8,
  Upper = 16,
  /** `J` of `eyJ`, the start of every JWT. */
  LetterJ = 32,
  Underscore = 64,
  /** `A` of `AKIA`, `ASIA` and `AIza`, the cloud keys' upper-case prefixes. */
  LetterA = 128,
}

/** One way a detector can match: at least this many ASCII digits and (unless 0) one of these classes. */
type Need = { digits: number; anyOf: number };

/**
 * Each detector's needs, each implied by its gate in `detector-gates.ts` (a value failing them
 * fails the gate, so the detector could never have matched it):
 * email `@`; phone ten digits; SSN nine digits in a run with a dash; card thirteen in a run; IBAN an
 * upper-case letter before a digit and four digits; IPv4 three dots between digits (four digits at
 * least); IPv6 colons; JWT `eyJ`; cloud keys `AKIA`/`ASIA`/`AIza`, `gh?_`, `xox?-`, `sk_`; private
 * keys `-----`.
 */
const NEEDS: Partial<Record<DetectorName, Need[]>> = {
  email: [{ digits: 0, anyOf: ByteClass.At }],
  phone: [{ digits: 10, anyOf: 0 }],
  us_ssn: [{ digits: 9, anyOf: ByteClass.Dash }],
  payment_card: [{ digits: 13, anyOf: 0 }],
  iban: [{ digits: 4, anyOf: ByteClass.Upper }],
  ip: [
    { digits: 4, anyOf: ByteClass.Dot },
    { digits: 0, anyOf: ByteClass.Colon },
  ],
  jwt: [{ digits: 0, anyOf: ByteClass.LetterJ }],
  cloud_key: [{ digits: 0, anyOf: ByteClass.LetterA | ByteClass.Underscore | ByteClass.Dash }],
  private_key: [{ digits: 0, anyOf: ByteClass.Dash }],
};

/** Digits count 1 in the low byte; classes sit above it. */
const DIGIT = 1;
const CLASS_SHIFT = 8;
const BYTE_TABLE = new Uint16Array(256);
for (let byte = 0x30; byte <= 0x39; byte++) BYTE_TABLE[byte] = DIGIT;
for (let byte = 0x41; byte <= 0x5a; byte++) BYTE_TABLE[byte] = ByteClass.Upper << CLASS_SHIFT;
BYTE_TABLE[0x40] = ByteClass.At << CLASS_SHIFT;
BYTE_TABLE[0x2d] = ByteClass.Dash << CLASS_SHIFT;
BYTE_TABLE[0x2e] = ByteClass.Dot << CLASS_SHIFT;
BYTE_TABLE[0x3a] = ByteClass.Colon << CLASS_SHIFT;
BYTE_TABLE[0x4a] = (ByteClass.LetterJ | ByteClass.Upper) << CLASS_SHIFT;
BYTE_TABLE[0x41] = (ByteClass.LetterA | ByteClass.Upper) << CLASS_SHIFT;
BYTE_TABLE[0x5f] = ByteClass.Underscore << CLASS_SHIFT;

/**
 * A cheap test run before a value is decoded for the detectors: most values of a large body (ids,
 * names, amounts, dates) cannot hold anything a detector finds, and are then copied as they came.
 */
export class ByteGates {
  private readonly needs: Need[];

  constructor(names: readonly DetectorName[]) {
    // A detector without needs listed here could match anything: its values are always decoded.
    this.needs = names.flatMap((name) => NEEDS[name] ?? [{ digits: 0, anyOf: 0 }]);
  }

  /**
   * False when no detector could match the text these bytes encode. Only for bytes that are the
   * text's UTF-8 as is: a JSON string with an escape must be decoded first (`\u0040` is an `@`).
   */
  mayMatch(bytes: Uint8Array, from: number, to: number): boolean {
    const needs = this.needs;
    if (needs.length === 0) return false;
    let digits = 0;
    let classes = 0;
    for (let i = from; i < to; i++) {
      const seen = BYTE_TABLE[bytes[i] as number] as number;
      digits += seen & 0xff;
      classes |= seen;
    }
    classes >>>= CLASS_SHIFT;
    for (let i = 0; i < needs.length; i++) {
      const need = needs[i] as Need;
      if (digits >= need.digits && (need.anyOf === 0 || (classes & need.anyOf) !== 0)) return true;
    }
    return false;
  }
}
