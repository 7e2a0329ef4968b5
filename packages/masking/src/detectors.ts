import { isIPv6 } from "node:net";
import { earliestStart, Gate, latestStart, mayMatch } from "./detector-gates";
import { EMAIL_FROM_LOCAL_START, findEmails, ibanChecksum, isCardNumber } from "./detector-validators";
import { perArray } from "./per-array";
import { digitCount, statsOf, type TextStats } from "./text-stats";
import { foldForDetection } from "./unicode-fold";

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

type Detector = {
  /** Global regex for candidates; `validate` weeds out what only looks right. */
  pattern: RegExp;
  validate?: (match: string) => boolean;
  /** When `validate` refuses the whole match, a part of it that is the real thing (offsets in the match). */
  within?: (match: string) => [number, number] | null;
  /** Could this value contain a match at all? Cheap, and most values answer no (see `mayMatch`). */
  gate: Gate;
  /** Finds the matches itself, trying `pattern` (sticky) only where a match can start. */
  scan?: (text: string, found: Detection[], as: DetectorName, stats: TextStats) => void;
};

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
  scan: ((text: string, found: Detection[], as: DetectorName, stats: TextStats) => void) | null;
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

/**
 * Every span the named detectors recognise, earliest first, overlaps merged to the longest. The
 * detectors read the value with its non-ASCII look-alikes folded (full-width digits, U+2011, `＠`):
 * the folded text is as long as the value, so its spans are the value's.
 */
export function detect(value: string, names: readonly DetectorName[]): Detection[] {
  let text = value;
  let origin: Int32Array | null = null;
  let stats = statsOf(value);
  if (stats.nonAscii) {
    const folded = foldForDetection(value);
    text = folded.text;
    origin = folded.origin;
    if (text !== value) stats = statsOf(text);
  }
  const found: Detection[] = [];
  const entries = entriesFor(names);
  for (let i = 0; i < entries.length; i++) runDetector(entries[i] as Entry, text, stats, found);
  if (origin !== null) {
    // Spans of the folded text, put back onto the original's characters (astral pairs whole).
    for (const span of found) {
      span.start = origin[span.start] as number;
      span.end = origin[span.end] as number;
    }
  }
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
    entry.scan(text, found, entry.as, stats);
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
