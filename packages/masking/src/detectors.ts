import { isIPv6 } from "node:net";
import { perArray } from "./per-array";

/** The detectors a rule can name; `ip` covers IPv4 and IPv6. */
export type DetectorName =
  | "email"
  | "phone"
  | "us_ssn"
  | "payment_card"
  | "iban"
  | "ip"
  | "jwt"
  | "cloud_key"
  | "private_key";

/** A span of text a detector recognised as sensitive. */
export type Detection = { start: number; end: number; detector: DetectorName };

/** One pass over a value, so detectors that cannot match are skipped without running a regex. */
type TextStats = {
  digits: number;
  /** Longest run of digits, allowing one space or dash between them (cards, SSNs). */
  digitRun: number;
  at: boolean;
  dash: boolean;
  dot: boolean;
  plusOrParen: boolean;
  /** `1.2`-shaped dots (IPv4) and `a:b`-shaped colons (IPv6). */
  dotsBetweenDigits: number;
  /** Dots between digits with three digits before them (`415.555.0134`). */
  dotsAfterThreeDigits: number;
  colonsBetweenHex: number;
  /** `::` somewhere (IPv6 shorthand). */
  doubleColon: boolean;
  upperThenDigit: boolean;
  /**
   * Where a match can start at the earliest, so a pattern skips what comes before (its lookbehind
   * still sees it): the first digit (a phone number starts at one, or at the `+` or `(` before it);
   * the start of the first run of 9 (13) digits, where the first SSN (card) can be; three characters
   * before the first dot between digits, where the first IPv4 can be.
   */
  firstDigit: number;
  nineRunFrom: number;
  thirteenRunFrom: number;
  ipv4From: number;
  /**
   * Where the last match can start at the latest, so a pattern is not run again over the rest of the
   * value once it is past them: 11 (13) characters before the end of the last run of 9 (13) digits;
   * the last dot between digits. (A phone number's, the last digit, is found only when needed.)
   */
  lastNineRunEnd: number;
  lastThirteenRunEnd: number;
  lastDotBetweenDigits: number;
  /** `Marker` bits, or -1 until `markersOf` has looked. */
  markers: number;
};

type Detector = {
  /** Global regex for candidates; `validate` weeds out what only looks right. */
  pattern: RegExp;
  validate?: (match: string) => boolean;
  /** When `validate` refuses the whole match, a part of it that is the real thing (offsets in the match). */
  within?: (match: string) => [number, number] | null;
  /** Could this value contain a match at all? Cheap, and most values answer no (see `mayMatch`). */
  gate: Gate;
  /** Finds the matches itself, trying `pattern` (sticky) only where a match can start. */
  scan?: (text: string, found: Detection[], as: DetectorName) => void;
};

/** What `mayMatch` checks before a detector's pattern runs. */
enum Gate {
  Email,
  Phone,
  UsSsn,
  PaymentCard,
  Iban,
  Ipv4,
  Ipv6,
  Jwt,
  CloudKey,
  PrivateKey,
}

/**
 * Could this value hold a match of the gated detector? One function with a switch, not a closure
 * per detector: every value goes through every detector's check, and one call site that sees nine
 * different closures is slower than the checks themselves.
 */
function mayMatch(gate: Gate, text: string, stats: TextStats): boolean {
  switch (gate) {
    case Gate.Email:
      return stats.at && stats.dot;
    case Gate.Phone:
      // Without + ( or -, only `ddd.ddd.dddd` is a phone number: two dots after three digits each.
      return stats.digits >= 10 && (stats.plusOrParen || stats.dash || stats.dotsAfterThreeDigits >= 2);
    case Gate.UsSsn:
      return stats.dash && stats.digitRun >= 9;
    case Gate.PaymentCard:
      return stats.digitRun >= 13;
    case Gate.Iban:
      return stats.upperThenDigit && stats.digits >= 4;
    case Gate.Ipv4:
      return stats.dotsBetweenDigits >= 3;
    case Gate.Ipv6:
      return stats.colonsBetweenHex >= 2 || stats.doubleColon;
    case Gate.Jwt:
      return (markersOf(text, stats) & Marker.Jwt) !== 0;
    case Gate.CloudKey:
      return (markersOf(text, stats) & Marker.CloudKey) !== 0;
    case Gate.PrivateKey:
      return (markersOf(text, stats) & Marker.PrivateKey) !== 0;
  }
}

/**
 * Where the gated detector's first match can start at the earliest (see `TextStats`); only called
 * once `mayMatch` said yes, so the positions it reads were found. Every phone number starts at a
 * digit or at the `+` or `(` right before one.
 */
function earliestStart(gate: Gate, stats: TextStats): number {
  switch (gate) {
    case Gate.Phone:
      return Math.max(0, stats.firstDigit - 1);
    case Gate.UsSsn:
      return stats.nineRunFrom;
    case Gate.PaymentCard:
      return stats.thirteenRunFrom;
    case Gate.Ipv4:
      return Math.max(0, stats.ipv4From);
    default:
      return 0;
  }
}

/** Found from the end when a phone number is possible at all, instead of tracked for every digit. */
function lastDigitOf(text: string): number {
  let i = text.length - 1;
  while (i >= 0 && !isDigit(text.charCodeAt(i))) i--;
  return i;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Where the gated detector's last match can start at the latest (see `TextStats`). */
function latestStart(gate: Gate, text: string, stats: TextStats): number {
  switch (gate) {
    case Gate.Phone:
      return lastDigitOf(text);
    case Gate.UsSsn:
      // nnn-nn-nnnn: nine digits and two dashes.
      return stats.lastNineRunEnd - 11;
    case Gate.PaymentCard:
      return stats.lastThirteenRunEnd - 13;
    case Gate.Ipv4:
      return stats.lastDotBetweenDigits;
    default:
      return text.length;
  }
}

/** Fixed text every JWT, private key and cloud key holds: one scan of the value finds them all. */
const MARKERS = /eyJ|PRIVATE KEY-----|A(?:KIA|SIA|Iza)|gh[pousr]_|xox[abprs]-|sk_/g;
enum Marker {
  Jwt = 1,
  PrivateKey = 2,
  CloudKey = 4,
}

/** The markers the value holds, scanned for once per value (when the first detector asks). */
function markersOf(text: string, stats: TextStats): number {
  if (stats.markers >= 0) return stats.markers;
  let markers = 0;
  MARKERS.lastIndex = 0;
  for (let match = MARKERS.exec(text); match; match = MARKERS.exec(text)) {
    const first = match[0].charCodeAt(0);
    if (match[0] === "eyJ") markers |= Marker.Jwt;
    else if (first === 80)
      markers |= Marker.PrivateKey; // P
    else markers |= Marker.CloudKey;
  }
  stats.markers = markers;
  return markers;
}

/** An email from the first character of its local part; tried only there (see `findEmails`). */
const EMAIL_FROM_LOCAL_START =
  /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/y;
const MAX_LOCAL_PART = 64;

function isLocalPartChar(code: number): boolean {
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
function findEmails(text: string, found: Detection[], as: DetectorName): void {
  // Matches do not overlap: a local part running back into the previous match cannot start a new one.
  let previousEnd = 0;
  for (let at = text.indexOf("@"); at >= 0; at = text.indexOf("@", at + 1)) {
    let start = at;
    while (start > 0 && at - start <= MAX_LOCAL_PART && isLocalPartChar(text.charCodeAt(start - 1))) {
      start -= 1;
    }
    if (start === at || at - start > MAX_LOCAL_PART || start < previousEnd) continue;
    EMAIL_FROM_LOCAL_START.lastIndex = start;
    const match = EMAIL_FROM_LOCAL_START.exec(text);
    if (!match) continue;
    previousEnd = start + match[0].length;
    found.push({ start, end: previousEnd, detector: as });
    at = previousEnd - 1;
  }
}

/**
 * Content detectors for values whose origin cannot be known (whole rows, JSON built from rows,
 * aggregates, arrays). They look for formatted values: a bare nine-digit number is not an SSN and
 * a bare ten-digit number is not a phone number unless a column rule says so.
 */
const DETECTORS = {
  email: {
    // Bounded on both sides, so it cannot backtrack across a long value.
    pattern: EMAIL_FROM_LOCAL_START,
    gate: Gate.Email,
    scan: findEmails,
  },
  phone: {
    pattern:
      /(?<![\w+])(?:\+[1-9]\d{0,2}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}|\(\d{3}\) ?\d{3}[.-]\d{4}|\d{3}[.-]\d{3}[.-]\d{4})(?![\w-])/g,
    validate: (match) => {
      const digits = digitCount(match);
      return digits >= 10 && digits <= 15;
    },
    gate: Gate.Phone,
  },
  us_ssn: {
    pattern: /(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])/g,
    gate: Gate.UsSsn,
  },
  payment_card: {
    pattern: /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/g,
    validate: isCardNumber,
    // A card followed by more digits (`4111 1111 1111 1111 123`, an expiry date): whole groups only,
    // so a long unseparated number is never searched for a card inside it.
    within: (match) => {
      const groups = [...match.matchAll(/\d+/g)].map((group) => ({
        start: group.index,
        end: group.index + group[0].length,
      }));
      for (let first = 0; first < groups.length; first++) {
        for (let last = groups.length - 1; last >= first; last--) {
          const start = groups[first]?.start ?? 0;
          const end = groups[last]?.end ?? 0;
          const digits = match.slice(start, end).replace(/\D/g, "");
          if (digits.length >= 13 && digits.length <= 19 && isCardNumber(digits)) return [start, end];
        }
      }
      return null;
    },
    gate: Gate.PaymentCard,
  },
  iban: {
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g,
    validate: (match) => ibanChecksum(match.replace(/ /g, "")),
    gate: Gate.Iban,
  },
  ip: {
    pattern:
      /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w.])/g,
    gate: Gate.Ipv4,
  },
  ipv6: {
    pattern: /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g,
    validate: (match) => isIPv6(match) && match.replace(/:/g, "").length >= 4,
    gate: Gate.Ipv6,
  },
  jwt: {
    pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g,
    gate: Gate.Jwt,
  },
  cloud_key: {
    pattern:
      /\b(?:(?:AKIA|ASIA)[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|gh[pousr]_[A-Za-z0-9]{36}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_live_[0-9A-Za-z]{24,}|sk_[A-Za-z0-9_-]{43})\b/g,
    gate: Gate.CloudKey,
  },
  private_key: {
    pattern: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z]+ )?PRIVATE KEY-----|$)/g,
    gate: Gate.PrivateKey,
  },
} satisfies Record<DetectorName | "ipv6", Detector>;

export const DETECTOR_NAMES = Object.keys(DETECTORS).filter((name) => name !== "ipv6") as DetectorName[];

/**
 * A detector as `detect` runs it. Every entry has the same fields (absent ones are null): the
 * detectors' own objects differ in shape, and reading their fields for every value in turn made
 * each read a slow, megamorphic one.
 */
type Entry = {
  as: DetectorName;
  gate: Gate;
  pattern: RegExp;
  validate: ((match: string) => boolean) | null;
  within: ((match: string) => [number, number] | null) | null;
  scan: ((text: string, found: Detection[], as: DetectorName) => void) | null;
};

function entryOf(detector: Detector, as: DetectorName): Entry {
  return {
    as,
    gate: detector.gate,
    pattern: detector.pattern,
    validate: detector.validate ?? null,
    within: detector.within ?? null,
    scan: detector.scan ?? null,
  };
}

const ENTRIES = new Map<DetectorName, Entry[]>(
  DETECTOR_NAMES.map((name) => [
    name,
    name === "ip"
      ? [entryOf(DETECTORS.ip, name), entryOf(DETECTORS.ipv6, name)]
      : [entryOf(DETECTORS[name] as Detector, name)],
  ]),
);

/** A session's detector names are one array for its life: their entries are listed once. */
const entriesFor = perArray((names: readonly DetectorName[]) =>
  names.flatMap((name) => ENTRIES.get(name) ?? []),
);

/** Every span the named detectors recognise, earliest first, overlaps merged to the longest. */
export function detect(text: string, names: readonly DetectorName[]): Detection[] {
  const stats = statsOf(text);
  const found: Detection[] = [];
  const entries = entriesFor(names);
  for (let i = 0; i < entries.length; i++) runDetector(entries[i] as Entry, text, stats, found);
  if (found.length <= 1) return found;
  sortSpans(found);
  // The spans were made by this call, so overlapping ones are merged in place.
  let kept = 0;
  for (let i = 1; i < found.length; i++) {
    const span = found[i] as Detection;
    const last = found[kept] as Detection;
    if (span.start < last.end) {
      if (span.end > last.end) last.end = span.end;
    } else {
      kept += 1;
      found[kept] = span;
    }
  }
  found.length = kept + 1;
  return found;
}

/**
 * Earliest first, the longer of two at one start first. Insertion sort: a value holds a handful of
 * spans, and `Array.prototype.sort` costs more to set up for two or three than the whole sort does.
 */
function sortSpans(spans: Detection[]): void {
  for (let i = 1; i < spans.length; i++) {
    const span = spans[i] as Detection;
    let j = i - 1;
    for (; j >= 0; j--) {
      const before = spans[j] as Detection;
      if (before.start < span.start || (before.start === span.start && before.end >= span.end)) break;
      spans[j + 1] = before;
    }
    spans[j + 1] = span;
  }
}

function runDetector(entry: Entry, text: string, stats: TextStats, found: Detection[]): void {
  if (!mayMatch(entry.gate, text, stats)) return;
  if (entry.scan) {
    entry.scan(text, found, entry.as);
    return;
  }
  const pattern = entry.pattern;
  pattern.lastIndex = earliestStart(entry.gate, stats);
  const latest = latestStart(entry.gate, text, stats);
  while (pattern.lastIndex <= latest) {
    const match = pattern.exec(text);
    if (!match) break;
    const matched = match[0];
    if (matched.length === 0) {
      pattern.lastIndex += 1;
      continue;
    }
    if (!entry.validate || entry.validate(matched)) {
      found.push({ start: match.index, end: match.index + matched.length, detector: entry.as });
    } else {
      const part = entry.within?.(matched);
      if (part) found.push({ start: match.index + part[0], end: match.index + part[1], detector: entry.as });
    }
  }
}

/** Reused by every call: stats are read only until the next value is looked at. */
const STATS: TextStats = {
  digits: 0,
  digitRun: 0,
  at: false,
  dash: false,
  dot: false,
  plusOrParen: false,
  dotsBetweenDigits: 0,
  dotsAfterThreeDigits: 0,
  colonsBetweenHex: 0,
  doubleColon: false,
  upperThenDigit: false,
  firstDigit: 0,
  nineRunFrom: 0,
  thirteenRunFrom: 0,
  ipv4From: 0,
  lastNineRunEnd: 0,
  lastThirteenRunEnd: 0,
  lastDotBetweenDigits: 0,
  markers: -1,
};

/** What `statsOf` does with a character: most are `Other` and cost one table read. */
enum CharKind {
  Other = 0,
  Digit = 1,
  /** A separator or marker some detector's statistics count: space - @ + ( . : */
  Noted = 2,
}
const CHAR_KIND = new Uint8Array(0x10000);
CHAR_KIND.fill(CharKind.Digit, 48, 58);
for (const char of " -@+(.:") CHAR_KIND[char.charCodeAt(0)] = CharKind.Noted;

function statsOf(text: string): TextStats {
  // Counted in locals and stored once: property writes per character cost more than the scan.
  let digits = 0;
  let digitRun = 0;
  let at = false;
  let dash = false;
  let dot = false;
  let plusOrParen = false;
  let dotsBetweenDigits = 0;
  let dotsAfterThreeDigits = 0;
  let colonsBetweenHex = 0;
  let doubleColon = false;
  let upperThenDigit = false;
  let firstDigit = -1;
  let nineRunFrom = -1;
  let thirteenRunFrom = -1;
  let ipv4From = -1;
  let lastNineRunEnd = -1;
  let lastThirteenRunEnd = -1;
  let lastDotBetweenDigits = -1;
  let run = 0;
  let runFrom = 0;
  let previous = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    const kind = CHAR_KIND[code] as number;
    if (kind === CharKind.Other) {
      // Letters, quotes, commas, braces…: nothing to note but that a digit run ends here.
      run = 0;
      previous = code;
      continue;
    }
    if (kind === CharKind.Digit) {
      digits += 1;
      if (run === 0) {
        // A run starts here: inside one, the character before a digit is a digit or a separator.
        runFrom = i;
        if (firstDigit < 0) firstDigit = i;
        if (previous >= 65 && previous <= 90) upperThenDigit = true;
      }
      run += 1;
      if (run > digitRun) {
        // The first run to reach a length is the first where a match of that many digits can be.
        digitRun = run;
        if (run === 9) nineRunFrom = runFrom;
        else if (run === 13) thirteenRunFrom = runFrom;
      }
      if (run >= 9) {
        lastNineRunEnd = i + 1;
        if (run >= 13) lastThirteenRunEnd = i + 1;
      }
      previous = code;
      continue;
    }
    if (!((code === 32 || code === 45) && previous >= 48 && previous <= 57)) run = 0;
    if (code === 64) at = true;
    else if (code === 45) dash = true;
    else if (code === 43 || code === 40) plusOrParen = true;
    else if (code === 46) {
      dot = true;
      const next = text.charCodeAt(i + 1);
      if (previous >= 48 && previous <= 57 && next >= 48 && next <= 57) {
        if (dotsBetweenDigits === 0) ipv4From = i - 3;
        dotsBetweenDigits += 1;
        lastDotBetweenDigits = i;
        if (isDigit(text.charCodeAt(i - 2)) && isDigit(text.charCodeAt(i - 3))) dotsAfterThreeDigits += 1;
      }
    } else if (code === 58) {
      if (previous === 58) doubleColon = true;
      else if (isHex(previous) && isHex(text.charCodeAt(i + 1))) colonsBetweenHex += 1;
    }
    previous = code;
  }
  const stats = STATS;
  stats.digits = digits;
  stats.digitRun = digitRun;
  stats.at = at;
  stats.dash = dash;
  stats.dot = dot;
  stats.plusOrParen = plusOrParen;
  stats.dotsBetweenDigits = dotsBetweenDigits;
  stats.dotsAfterThreeDigits = dotsAfterThreeDigits;
  stats.colonsBetweenHex = colonsBetweenHex;
  stats.doubleColon = doubleColon;
  stats.upperThenDigit = upperThenDigit;
  stats.firstDigit = firstDigit;
  stats.nineRunFrom = nineRunFrom;
  stats.thirteenRunFrom = thirteenRunFrom;
  stats.ipv4From = ipv4From;
  stats.lastNineRunEnd = lastNineRunEnd;
  stats.lastThirteenRunEnd = lastThirteenRunEnd;
  stats.lastDotBetweenDigits = lastDotBetweenDigits;
  stats.markers = -1;
  return stats;
}

function digitCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) count += 1;
  }
  return count;
}

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
}

/** Luhn's doubled digit: 2d, less 9 when that is two digits. */
const LUHN_DOUBLED = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];

/**
 * Issuer prefixes (Visa, Mastercard, Amex, Discover, JCB) and the Luhn check, over the digits only,
 * in one pass from the left: Luhn doubles every second digit from the right, so both sums are kept
 * and the digit count picks one at the end.
 */
function isCardNumber(text: string): boolean {
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
function ibanChecksum(iban: string): boolean {
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const value = char >= "A" && char <= "Z" ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}
