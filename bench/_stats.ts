const make = (i: number) => JSON.stringify({ id: i, name: "Ada", email: `ada${i}@example.com`, card: "4242 4242 4242 4242", ip: "10.0.0.1", tags: ["a", "b"] });
const values = Array.from({ length: 10000 }, (_, i) => make(i));
let sink = 0;
function statsA(text: string) {
  let digits = 0, digitRun = 0, at = false, dash = false, dot = false, plusOrParen = false, dotsBetweenDigits = 0, colonsBetweenHex = 0, upperThenDigit = false, run = 0, previous = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) { digits += 1; run += 1; if (run > digitRun) digitRun = run; if (previous >= 65 && previous <= 90) upperThenDigit = true; previous = code; continue; }
    if (code > 64 || code < 32) { run = 0; previous = code; continue; }
    if (!((code === 32 || code === 45) && previous >= 48 && previous <= 57)) run = 0;
    if (code === 64) at = true; else if (code === 45) dash = true; else if (code === 43 || code === 40) plusOrParen = true;
    else if (code === 46) { dot = true; const next = text.charCodeAt(i + 1); if (previous >= 48 && previous <= 57 && next >= 48 && next <= 57) dotsBetweenDigits += 1; }
    else if (code === 58 && isHex(previous) && isHex(text.charCodeAt(i + 1))) colonsBetweenHex += 1;
    previous = code;
  }
  return digits + digitRun + (at ? 1 : 0) + (dash ? 1 : 0) + (dot ? 1 : 0) + (plusOrParen ? 1 : 0) + dotsBetweenDigits + colonsBetweenHex + (upperThenDigit ? 1 : 0);
}
const scratch = new Uint8Array(65536);
const enc = new TextEncoder();
function statsB(text: string) {
  const length = text.length <= 16384 ? enc.encodeInto(text, scratch).written : 0;
  const b = scratch;
  let digits = 0, digitRun = 0, at = false, dash = false, dot = false, plusOrParen = false, dotsBetweenDigits = 0, colonsBetweenHex = 0, upperThenDigit = false, run = 0, previous = 0;
  for (let i = 0; i < length; i++) {
    const code = b[i] as number;
    if (code >= 48 && code <= 57) { digits += 1; run += 1; if (run > digitRun) digitRun = run; if (previous >= 65 && previous <= 90) upperThenDigit = true; previous = code; continue; }
    if (code > 64 || code < 32) { run = 0; previous = code; continue; }
    if (!((code === 32 || code === 45) && previous >= 48 && previous <= 57)) run = 0;
    if (code === 64) at = true; else if (code === 45) dash = true; else if (code === 43 || code === 40) plusOrParen = true;
    else if (code === 46) { dot = true; const next = b[i + 1] as number; if (previous >= 48 && previous <= 57 && next >= 48 && next <= 57) dotsBetweenDigits += 1; }
    else if (code === 58 && isHex(previous) && isHex(b[i + 1] as number)) colonsBetweenHex += 1;
    previous = code;
  }
  return digits + digitRun + (at ? 1 : 0) + (dash ? 1 : 0) + (dot ? 1 : 0) + (plusOrParen ? 1 : 0) + dotsBetweenDigits + colonsBetweenHex + (upperThenDigit ? 1 : 0);
}
// 0 other, 1 digit, 2 interesting
const CLS = new Uint8Array(65536); for (let c = 48; c <= 57; c++) CLS[c] = 1; for (const c of " -@+(.:") CLS[c.charCodeAt(0)] = 2;
function statsC(text: string) {
  let digits = 0, digitRun = 0, at = false, dash = false, dot = false, plusOrParen = false, dotsBetweenDigits = 0, colonsBetweenHex = 0, upperThenDigit = false, run = 0, previous = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    const cls = CLS[code] as number;
    if (cls === 0) { run = 0; previous = code; continue; }
    if (cls === 1) { digits += 1; run += 1; if (run > digitRun) digitRun = run; if (previous >= 65 && previous <= 90) upperThenDigit = true; previous = code; continue; }
    if (!((code === 32 || code === 45) && previous >= 48 && previous <= 57)) run = 0;
    if (code === 64) at = true; else if (code === 45) dash = true; else if (code === 43 || code === 40) plusOrParen = true;
    else if (code === 46) { dot = true; const next = text.charCodeAt(i + 1); if (previous >= 48 && previous <= 57 && next >= 48 && next <= 57) dotsBetweenDigits += 1; }
    else if (code === 58 && isHex(previous) && isHex(text.charCodeAt(i + 1))) colonsBetweenHex += 1;
    previous = code;
  }
  return digits + digitRun + (at ? 1 : 0) + (dash ? 1 : 0) + (dot ? 1 : 0) + (plusOrParen ? 1 : 0) + dotsBetweenDigits + colonsBetweenHex + (upperThenDigit ? 1 : 0);
}
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
const STATS: TextStats = {
  digits: 0,
  digitRun: 0,
  at: false,
  dash: false,
  dot: false,
  plusOrParen: false,
  dotsBetweenDigits: 0,
  colonsBetweenHex: 0,
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
  let colonsBetweenHex = 0;
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
      }
    } else if (code === 58 && isHex(previous) && isHex(text.charCodeAt(i + 1))) {
      colonsBetweenHex += 1;
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
  stats.colonsBetweenHex = colonsBetweenHex;
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


function isHex(code: number): boolean { return (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70); }
const statsD = (t: string) => { const st = statsOf(t); return st.digits + st.digitRun; };
for (const [n, f] of [["D", statsD], ["A", statsA], ["B", statsB], ["C", statsC], ["A", statsA], ["B", statsB], ["C", statsC], ["D", statsD]] as const) {
  for (const v of values) sink += f(v);
  let best = 1e9;
  for (let r = 0; r < 30; r++) { const t = process.hrtime.bigint(); for (const v of values) sink += f(v); best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6); }
  console.log(n, (best / 10).toFixed(3), "ms/1000");
}
console.log(sink > 0);
