// Whether any content detector could match a value, read from its UTF-8 bytes without decoding it.
import type { DetectorName } from "./detectors";
import { ASTRAL_FOLD, FOLD } from "./unicode-fold";

/**
 * Bytes some detector needs at least one of. In UTF-8 every byte of a multi-byte character is
 * above 0x7f, so an ASCII byte in the value is that character in its text. The detectors also read
 * non-ASCII look-alikes as ASCII (`unicode-fold.ts`): such a character counts as the ASCII one it
 * folds to, so the digits counted are the folded text's and a class is seen whenever the folded
 * text has it: these checks read the same facts `statsOf` and the gates read, only fewer.
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

/** Digits count 1 in the low byte; classes sit above it; `LEAD` marks a multi-byte character's first byte. */
const DIGIT = 1;
const CLASS_SHIFT = 8;
const LEAD = 1 << 16;
const BYTE_TABLE = new Uint32Array(256);
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
 * What each BMP character the detectors fold to ASCII counts as (`unicode-fold.ts`): the digit or
 * classes of its ASCII character. Read only at a two- or three-byte character's lead byte, so
 * ASCII values pay one untaken branch per byte.
 */
const FOLDED_TABLE = new Uint32Array(0x10000);
/** Per lead byte, everything its characters can count as: for a character cut off by `to`. */
const LEAD_TABLE = new Uint32Array(256);
for (let code = 0x80; code < 0x10000; code++) {
  const ascii = FOLD[code] as number;
  if (ascii === 0) continue;
  FOLDED_TABLE[code] = BYTE_TABLE[ascii] as number;
  const lead = code < 0x800 ? 0xc0 | (code >> 6) : 0xe0 | (code >> 12);
  LEAD_TABLE[lead] = (LEAD_TABLE[lead] as number) | (BYTE_TABLE[ascii] as number);
}
/** The same for plane 1's look-alikes (`ASTRAL_FOLD`), all behind the four-byte lead 0xf0. */
const ASTRAL_FOLDED_TABLE = new Uint32Array(0x10000);
for (let index = 0; index < 0x10000; index++) {
  const ascii = ASTRAL_FOLD[index] as number;
  if (ascii === 0) continue;
  ASTRAL_FOLDED_TABLE[index] = BYTE_TABLE[ascii] as number;
  LEAD_TABLE[0xf0] = (LEAD_TABLE[0xf0] as number) | (BYTE_TABLE[ascii] as number);
}
for (let byte = 0xc0; byte <= 0xf0; byte++) BYTE_TABLE[byte] = LEAD;

/** What the character whose lead byte is at `i` counts as (above plane 1, nothing folds). */
function foldedAt(bytes: Uint8Array, i: number, to: number): number {
  const lead = bytes[i] as number;
  if (lead === 0xf0) {
    if (i + 3 >= to) return LEAD_TABLE[lead] as number;
    const code =
      (((bytes[i + 1] as number) & 0x3f) << 12) |
      (((bytes[i + 2] as number) & 0x3f) << 6) |
      ((bytes[i + 3] as number) & 0x3f);
    // Lead 0xf0 holds U+10000–U+3FFFF; only plane 1 (0x10000–0x1ffff) has look-alikes.
    return code >= 0x10000 && code < 0x20000 ? (ASTRAL_FOLDED_TABLE[code - 0x10000] as number) : 0;
  }
  if (lead < 0xe0) {
    if (i + 1 >= to) return LEAD_TABLE[lead] as number;
    return FOLDED_TABLE[((lead & 0x1f) << 6) | ((bytes[i + 1] as number) & 0x3f)] as number;
  }
  if (i + 2 >= to) return LEAD_TABLE[lead] as number;
  const code =
    ((lead & 0x0f) << 12) | (((bytes[i + 1] as number) & 0x3f) << 6) | ((bytes[i + 2] as number) & 0x3f);
  return FOLDED_TABLE[code] as number;
}

/** What the byte gates say of a value: no detector can match it, only the email one can, or others can. */
export enum GateVerdict {
  None,
  /** Only the email detector's needs are met: its matches can be found from the bytes (ascii-emails.ts). */
  EmailOnly,
  Any,
}

/**
 * A cheap test run before a value is decoded for the detectors: most values of a large body (ids,
 * names, amounts, dates) cannot hold anything a detector finds, and are then copied as they came.
 */
export class ByteGates {
  private readonly emailNeeds: Need[];
  /** Every other detector's; a detector without needs listed here could match anything. */
  private readonly otherNeeds: Need[];

  constructor(names: readonly DetectorName[]) {
    const needsOf = (name: DetectorName) => NEEDS[name] ?? [{ digits: 0, anyOf: 0 }];
    this.emailNeeds = names.filter((name) => name === "email").flatMap(needsOf);
    this.otherNeeds = names.filter((name) => name !== "email").flatMap(needsOf);
  }

  /**
   * False when no detector could match the text these bytes encode. Only for bytes that are the
   * text's UTF-8 as is: a JSON string with an escape must be decoded first (`\u0040` is an `@`).
   */
  mayMatch(bytes: Uint8Array, from: number, to: number): boolean {
    return this.verdict(bytes, from, to) !== GateVerdict.None;
  }

  /** Which detectors could match the text these bytes encode (the same bytes as `mayMatch`). */
  verdict(bytes: Uint8Array, from: number, to: number): GateVerdict {
    if (this.emailNeeds.length === 0 && this.otherNeeds.length === 0) return GateVerdict.None;
    let digits = 0;
    let classes = 0;
    for (let i = from; i < to; i++) {
      let seen = BYTE_TABLE[bytes[i] as number] as number;
      if (seen === LEAD) seen = foldedAt(bytes, i, to);
      digits += seen & 0xff;
      classes |= seen;
    }
    classes >>>= CLASS_SHIFT;
    if (isAnyMet(this.otherNeeds, digits, classes)) return GateVerdict.Any;
    return isAnyMet(this.emailNeeds, digits, classes) ? GateVerdict.EmailOnly : GateVerdict.None;
  }
}

function isAnyMet(needs: readonly Need[], digits: number, classes: number): boolean {
  for (let i = 0; i < needs.length; i++) {
    const need = needs[i] as Need;
    if (digits >= need.digits && (need.anyOf === 0 || (classes & need.anyOf) !== 0)) return true;
  }
  return false;
}
