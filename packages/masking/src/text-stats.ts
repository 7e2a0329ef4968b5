// One pass over a value that the content detectors' gates read, so most detectors never run a regex.
/** One pass over a value, so detectors that cannot match are skipped without running a regex. */
export type TextStats = {
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
  /** A character above U+007F: the value may hold look-alikes to fold (`unicode-fold.ts`). */
  nonAscii: boolean;
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

/** Found from the end when a phone number is possible at all, instead of tracked for every digit. */
export function lastDigitOf(text: string): number {
  let i = text.length - 1;
  while (i >= 0 && !isDigit(text.charCodeAt(i))) i--;
  return i;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Fixed text every JWT, private key and cloud key holds: one scan of the value finds them all. */
const MARKERS = /eyJ|PRIVATE KEY-----|A(?:KIA|SIA|Iza)|gh[pousr]_|xox[abprs]-|sk_/g;

export enum Marker {
  Jwt = 1,
  PrivateKey = 2,
  CloudKey = 4,
}

/** The markers the value holds, scanned for once per value (when the first detector asks). */
export function markersOf(text: string, stats: TextStats): number {
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
  nonAscii: false,
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
  /** Above U+007F: noted once, as `nonAscii`. */
  NonAscii = 3,
}

const CHAR_KIND = new Uint8Array(0x10000);
CHAR_KIND.fill(CharKind.NonAscii, 0x80);
CHAR_KIND.fill(CharKind.Digit, 48, 58);
for (const char of " -@+(.:") CHAR_KIND[char.charCodeAt(0)] = CharKind.Noted;

export function statsOf(text: string): TextStats {
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
  let nonAscii = false;
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
    if (kind === CharKind.NonAscii) {
      nonAscii = true;
      run = 0;
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
  stats.nonAscii = nonAscii;
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

export function digitCount(text: string): number {
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
