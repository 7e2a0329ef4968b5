// The email detector on an ASCII value's bytes: the spans `detect(text, ["email"])` finds in it,
// without making a string of the value or running the pattern (the JSON masker's values).
import type { Detection } from "./detectors";

/**
 * What the ASCII pattern of `findEmails` (detector-validators.ts) accepts, read without it:
 * `[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})(?![A-Za-z0-9-])`
 * tried at the start of the run of local-part characters before each `@`. No label character is a
 * dot, and every label is followed by a dot or by the lookahead's "no label character", so each
 * label the pattern can match is a whole run of label characters (a "run" below) between dots: the
 * domain is runs r0.r1…rj, and the pattern's backtracking (as many middle labels as it can take,
 * then one fewer at a time) ends at the last run rj that is a top-level label. Checked against the
 * pattern over a random corpus (test/ascii-emails.test.ts).
 */
const LOCAL = 1;
const LABEL = 2;
const LETTER = 4;
const CLASS = new Uint8Array(256);
for (let byte = 0x30; byte <= 0x39; byte++) CLASS[byte] = LOCAL | LABEL;
for (let byte = 0x41; byte <= 0x5a; byte++) CLASS[byte] = LOCAL | LABEL | LETTER;
for (let byte = 0x61; byte <= 0x7a; byte++) CLASS[byte] = LOCAL | LABEL | LETTER;
CLASS[0x2d] = LOCAL | LABEL; // -
for (const byte of [0x2e, 0x5f, 0x25, 0x2b]) CLASS[byte] = LOCAL; // . _ % +

const AT = 0x40;
const DOT = 0x2e;
const MAX_LOCAL_PART = 64;
const MAX_LABEL = 63;
/** Middle labels the pattern takes at most (`{0,8}`). */
const MAX_MIDDLE_LABELS = 8;

/**
 * The emails in the ASCII value `bytes[from, to)` (every byte below 0x80), as `detect` with only
 * the email detector reports them on its text: offsets from `from`, earliest first, not overlapping.
 */
export function findAsciiEmails(bytes: Uint8Array, from: number, to: number): Detection[] {
  const found: Detection[] = [];
  // Matches do not overlap: a local part running back into the previous match cannot start a new one.
  let previousEnd = from;
  for (let at = from; at < to; at++) {
    if (bytes[at] !== AT) continue;
    let start = at;
    while (
      start > from &&
      at - start <= MAX_LOCAL_PART &&
      ((CLASS[bytes[start - 1] as number] as number) & LOCAL) !== 0
    )
      start -= 1;
    if (start === at || at - start > MAX_LOCAL_PART || start < previousEnd) continue;
    const end = domainEnd(bytes, at + 1, to);
    if (end < 0) continue;
    found.push({ start: start - from, end: end - from, detector: "email" });
    previousEnd = end;
    at = end - 1;
  }
  return found;
}

/** Where the domain that starts at `from` ends (after its top-level label); -1 when it is none. */
function domainEnd(bytes: Uint8Array, from: number, to: number): number {
  const firstEnd = runEnd(bytes, from, to);
  if (firstEnd === from || firstEnd - from > MAX_LABEL) return -1;
  let end = -1;
  let runStart = firstEnd + 1;
  // Runs r1, r2…: each one the pattern takes as a middle label (at most 8, each at most 63 long)
  // lets it try the run after as the top-level label; it keeps the last that is one.
  for (let run = 1; run <= MAX_MIDDLE_LABELS + 1; run++) {
    if (runStart - 1 >= to || bytes[runStart - 1] !== DOT) break;
    const runStop = runEnd(bytes, runStart, to);
    if (runStop === runStart) break;
    if (isTopLevelLabel(bytes, runStart, runStop)) end = runStop;
    if (runStop - runStart > MAX_LABEL) break;
    runStart = runStop + 1;
  }
  return end;
}

/** The end of the run of label characters from `from`. */
function runEnd(bytes: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to && ((CLASS[bytes[i] as number] as number) & LABEL) !== 0) i++;
  return i;
}

/** `[A-Za-z]{2,63}` or `xn--[A-Za-z0-9-]{1,59}`, the whole run. */
function isTopLevelLabel(bytes: Uint8Array, from: number, to: number): boolean {
  const length = to - from;
  if (length < 2 || length > MAX_LABEL) return false;
  if (
    length >= 5 &&
    bytes[from] === 0x78 && // x
    bytes[from + 1] === 0x6e && // n
    bytes[from + 2] === 0x2d &&
    bytes[from + 3] === 0x2d
  )
    return true;
  for (let i = from; i < to; i++) if (((CLASS[bytes[i] as number] as number) & LETTER) === 0) return false;
  return true;
}
