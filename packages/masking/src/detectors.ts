import { isIPv6 } from "node:net";

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
  colonsBetweenHex: number;
  upperThenDigit: boolean;
};

type Detector = {
  /** Global regex for candidates; `validate` weeds out what only looks right. */
  pattern: RegExp;
  validate?: (match: string) => boolean;
  /** When `validate` refuses the whole match, a part of it that is the real thing (offsets in the match). */
  within?: (match: string) => [number, number] | null;
  /** Could this value contain a match at all? Cheap, and most values answer no. */
  quick: (text: string, stats: TextStats) => boolean;
};

const CLOUD_KEY_MARKERS = ["AKIA", "ASIA", "AIza", "gh", "xox", "sk_"];

/**
 * Content detectors for values whose origin cannot be known (whole rows, JSON built from rows,
 * aggregates, arrays). They look for formatted values: a bare nine-digit number is not an SSN and
 * a bare ten-digit number is not a phone number unless a column rule says so.
 */
const DETECTORS = {
  email: {
    // Bounded on both sides, so it cannot backtrack across a long value.
    pattern:
      /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g,
    quick: (_text, stats) => stats.at && stats.dot,
  },
  phone: {
    pattern:
      /(?<![\w+])(?:\+[1-9]\d{0,2}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}|\(\d{3}\) ?\d{3}[.-]\d{4}|\d{3}[.-]\d{3}[.-]\d{4})(?![\w-])/g,
    validate: (match) => {
      const digits = match.replace(/\D/g, "").length;
      return digits >= 10 && digits <= 15;
    },
    quick: (_text, stats) =>
      stats.digits >= 10 && (stats.plusOrParen || stats.dash || stats.dotsBetweenDigits > 0),
  },
  us_ssn: {
    pattern: /(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])/g,
    quick: (_text, stats) => stats.dash && stats.digitRun >= 9,
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
    quick: (_text, stats) => stats.digitRun >= 13,
  },
  iban: {
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g,
    validate: (match) => ibanChecksum(match.replace(/ /g, "")),
    quick: (_text, stats) => stats.upperThenDigit && stats.digits >= 4,
  },
  ip: {
    pattern:
      /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w.])/g,
    quick: (_text, stats) => stats.dotsBetweenDigits >= 3,
  },
  ipv6: {
    pattern: /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g,
    validate: (match) => isIPv6(match) && match.replace(/:/g, "").length >= 4,
    quick: (text, stats) => stats.colonsBetweenHex >= 2 || text.includes("::"),
  },
  jwt: {
    pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g,
    quick: (text) => text.includes("eyJ"),
  },
  cloud_key: {
    pattern:
      /\b(?:(?:AKIA|ASIA)[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|gh[pousr]_[A-Za-z0-9]{36}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_live_[0-9A-Za-z]{24,}|sk_[A-Za-z0-9_-]{43})\b/g,
    quick: (text) => CLOUD_KEY_MARKERS.some((marker) => text.includes(marker)),
  },
  private_key: {
    pattern: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z]+ )?PRIVATE KEY-----|$)/g,
    quick: (text) => text.includes("PRIVATE KEY-----"),
  },
} satisfies Record<string, Detector>;

/** The detectors a rule can name; `ip` covers IPv4 and IPv6. */
export type DetectorName = Exclude<keyof typeof DETECTORS, "ipv6">;
export const DETECTOR_NAMES = Object.keys(DETECTORS).filter((name) => name !== "ipv6") as DetectorName[];

/** Every span the named detectors recognise, earliest first, overlaps merged to the longest. */
export function detect(text: string, names: readonly DetectorName[]): Detection[] {
  const stats = statsOf(text);
  const found: Detection[] = [];
  const run = (name: keyof typeof DETECTORS, as: DetectorName) => {
    const detector: Detector = DETECTORS[name];
    if (!detector.quick(text, stats)) return;
    detector.pattern.lastIndex = 0;
    for (let match = detector.pattern.exec(text); match; match = detector.pattern.exec(text)) {
      if (match[0].length === 0) {
        detector.pattern.lastIndex += 1;
        continue;
      }
      if (!detector.validate || detector.validate(match[0])) {
        found.push({ start: match.index, end: match.index + match[0].length, detector: as });
      } else {
        const part = detector.within?.(match[0]);
        if (part) found.push({ start: match.index + part[0], end: match.index + part[1], detector: as });
      }
    }
  };
  for (const name of names) {
    run(name, name);
    if (name === "ip") run("ipv6", "ip");
  }
  if (found.length <= 1) return found;
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Detection[] = [];
  for (const span of found) {
    const last = merged.at(-1);
    if (last && span.start < last.end) {
      if (span.end > last.end) last.end = span.end;
    } else {
      merged.push({ ...span });
    }
  }
  return merged;
}

function statsOf(text: string): TextStats {
  const stats: TextStats = {
    digits: 0,
    digitRun: 0,
    at: false,
    dash: false,
    dot: false,
    plusOrParen: false,
    dotsBetweenDigits: 0,
    colonsBetweenHex: 0,
    upperThenDigit: false,
  };
  let run = 0;
  let previous = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      stats.digits += 1;
      run += 1;
      if (run > stats.digitRun) stats.digitRun = run;
      if (previous >= 65 && previous <= 90) stats.upperThenDigit = true;
    } else if (!((code === 32 || code === 45) && previous >= 48 && previous <= 57)) {
      run = 0;
    }
    if (code === 64) stats.at = true;
    else if (code === 45) stats.dash = true;
    else if (code === 43 || code === 40) stats.plusOrParen = true;
    else if (code === 46) {
      stats.dot = true;
      const next = text.charCodeAt(i + 1);
      if (previous >= 48 && previous <= 57 && next >= 48 && next <= 57) stats.dotsBetweenDigits += 1;
    } else if (code === 58 && isHex(previous) && isHex(text.charCodeAt(i + 1))) {
      stats.colonsBetweenHex += 1;
    }
    previous = code;
  }
  return stats;
}

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
}

function isCardNumber(text: string): boolean {
  const digits = text.replace(/\D/g, "");
  return /^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5)|35)/.test(digits) && luhn(digits);
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
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
