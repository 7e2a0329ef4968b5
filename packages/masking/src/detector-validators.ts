// Checks that weed out what only looks like a detected value: e-mail local parts, Luhn, IBAN checksums.
import type { Detection, DetectorName } from "./detectors";
import type { TextStats } from "./text-stats";

/**
 * An email from the first character of its local part; tried only there (see `findEmails`). RFC
 * 6531 allows UTF-8 in both parts (`zoë@example.com`, `用户@例子.广告`), and IDNA gives a domain
 * letters of any script or an `xn--` punycode label, so any letter, mark or number is accepted
 * where ASCII ones are. Run on folded text (`unicode-fold.ts`): `＠` and `。` are `@` and `.` there.
 */
export const EMAIL_FROM_LOCAL_START =
  /[A-Za-z0-9._%+\-\p{L}\p{M}\p{N}]{1,64}@[A-Za-z0-9\-\p{L}\p{M}\p{N}]{1,63}(?:\.[A-Za-z0-9\-\p{L}\p{M}\p{N}]{1,63}){0,8}\.(?:[\p{L}\p{M}]{2,63}|xn--[A-Za-z0-9-]{1,59})(?![\p{L}\p{M}\p{N}-])/uy;

/**
 * The same pattern for values that are all ASCII (most are): it finds what the one above finds in
 * them, and the Unicode property classes above cost half again per address.
 */
const ASCII_EMAIL_FROM_LOCAL_START =
  /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})(?![A-Za-z0-9-])/y;

/**
 * Non-ASCII code units a local part can hold: letters, marks and numbers of every script, and
 * both halves of a surrogate pair (astral letters; the pattern decides what they really are).
 */
const NON_ASCII_LOCAL_PART = new Uint8Array(0x10000);
const LETTER_MARK_OR_NUMBER = /^[\p{L}\p{M}\p{N}]$/u;
for (let code = 0x80; code < 0x10000; code++) {
  const surrogate = code >= 0xd800 && code <= 0xdfff;
  if (surrogate || LETTER_MARK_OR_NUMBER.test(String.fromCharCode(code))) NON_ASCII_LOCAL_PART[code] = 1;
}

const MAX_LOCAL_PART = 64;

function isLocalPartChar(code: number): boolean {
  if (code >= 0x80) return NON_ASCII_LOCAL_PART[code] === 1;
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 46 || // .
    code === 95 || // _
    code === 37 || // %
    code === 43 || // +
    code === 45 // -
  );
}

/**
 * Emails by their `@`: the local part is the whole run of local-part characters before it (a match
 * never starts inside a run), so the pattern runs once per `@`, not from every position of the value.
 */
export function findEmails(text: string, found: Detection[], as: DetectorName, stats: TextStats): void {
  // Matches do not overlap: a local part running back into the previous match cannot start a new one.
  let previousEnd = 0;
  const pattern = stats.nonAscii ? EMAIL_FROM_LOCAL_START : ASCII_EMAIL_FROM_LOCAL_START;
  for (let at = text.indexOf("@"); at >= 0; at = text.indexOf("@", at + 1)) {
    let start = at;
    while (start > 0 && at - start <= MAX_LOCAL_PART && isLocalPartChar(text.charCodeAt(start - 1))) {
      start -= 1;
    }
    if (start === at || at - start > MAX_LOCAL_PART || start < previousEnd) continue;
    pattern.lastIndex = start;
    const match = pattern.exec(text);
    if (!match) continue;
    previousEnd = start + match[0].length;
    found.push({ start, end: previousEnd, detector: as });
    at = previousEnd - 1;
  }
}

/** Luhn's doubled digit: 2d, less 9 when that is two digits. */
const LUHN_DOUBLED = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];

/**
 * Issuer prefixes (Visa, Mastercard, Amex, Discover, JCB) and the Luhn check, over the digits only,
 * in one pass from the left: Luhn doubles every second digit from the right, so both sums are kept
 * and the digit count picks one at the end.
 */
export function isCardNumber(text: string): boolean {
  let evenDoubled = 0;
  let oddDoubled = 0;
  let count = 0;
  // The first four digits, for the issuer (-1 where the text has fewer).
  let a = -1;
  let b = -1;
  let c = -1;
  let d = -1;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) continue;
    const doubled = LUHN_DOUBLED[digit] as number;
    if ((count & 1) === 0) {
      evenDoubled += doubled;
      oddDoubled += digit;
    } else {
      evenDoubled += digit;
      oddDoubled += doubled;
    }
    if (count < 4) {
      if (count === 0) a = digit;
      else if (count === 1) b = digit;
      else if (count === 2) c = digit;
      else d = digit;
    }
    count += 1;
  }
  // With an even count the first digit from the left is doubled; with an odd count, the second.
  const sum = (count & 1) === 0 ? evenDoubled : oddDoubled;
  if (sum % 10 !== 0) return false;
  return (
    a === 4 ||
    (a === 5 && b >= 1 && b <= 5) ||
    (a === 2 && b >= 2 && b <= 7) ||
    (a === 3 && (b === 4 || b === 7 || b === 5)) ||
    (a === 6 && ((b === 0 && c === 1 && d === 1) || b === 5))
  );
}

/** ISO 13616: move the first four characters to the end, letters to numbers, mod 97 must be 1. */
export function ibanChecksum(iban: string): boolean {
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const value = char >= "A" && char <= "Z" ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}
