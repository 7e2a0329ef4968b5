// Non-ASCII look-alikes of the characters detectors read, folded to ASCII before the detectors run.

/**
 * Each BMP character that reads as an ASCII one a detector matches on, mapped to that ASCII code
 * (0: left as is). A phone number written `+44 20 7946 0958` with no-break spaces or `090‑1234`
 * with U+2011, a card or SSN in full-width digits (PostgreSQL prints text as stored), an address
 * with `＠` or `。`: an agent reads all of them as the ASCII value, so the detectors must too.
 * One UTF-16 unit to one: a span found in the folded text is the same span of the original value
 * (astral look-alikes, below, are mapped back through `Folded.origin`).
 */
export const FOLD = new Uint8Array(0x10000);

/** Decimal digits of every BMP script (`\p{Nd}`), each block of ten contiguous from its zero. */
const DECIMAL_DIGIT = /^\p{Nd}$/u;
let runLength = 0;
for (let code = 0x80; code < 0x10000; code++) {
  if (code >= 0xd800 && code <= 0xdfff) {
    runLength = 0;
    continue;
  }
  if (DECIMAL_DIGIT.test(String.fromCharCode(code))) {
    FOLD[code] = 48 + (runLength % 10);
    runLength += 1;
  } else {
    runLength = 0;
  }
}

/** Spaces a phone number, card or IBAN can be grouped with. */
const SPACES = [0x00a0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007];
SPACES.push(0x2008, 0x2009, 0x200a, 0x202f, 0x205f, 0x3000);
for (const code of SPACES) FOLD[code] = 0x20;
/**
 * Invisible characters (zero-width space, joiners, word joiner, BOM, soft hyphen): `4242\u200b4242…`
 * reads as a card. Folded to a space, the one separator every digit pattern allows.
 */
for (const code of [0x00ad, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff]) FOLD[code] = 0x20;
/** Hyphens, dashes and minus signs (U+2011 is the non-breaking hyphen word processors insert). */
for (const code of [0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xfe58, 0xfe63, 0xff0d]) {
  FOLD[code] = 0x2d;
}
for (const code of [0x3002, 0xfe52, 0xff0e, 0xff61]) FOLD[code] = 0x2e; // full stops, as IDNA reads them
for (const code of [0xfe6b, 0xff20]) FOLD[code] = 0x40; // @
for (const code of [0xfe62, 0xff0b]) FOLD[code] = 0x2b; // +
for (const code of [0xfe59, 0xff08]) FOLD[code] = 0x28; // (
for (const code of [0xfe5a, 0xff09]) FOLD[code] = 0x29; // )
for (const code of [0xfe55, 0xff1a]) FOLD[code] = 0x3a; // :
FOLD[0xff3f] = 0x5f; // _
// Full-width Latin letters (keys, IBANs, TLDs typed on a CJK keyboard).
for (let letter = 0; letter < 26; letter++) {
  FOLD[0xff21 + letter] = 0x41 + letter;
  FOLD[0xff41 + letter] = 0x61 + letter;
}

/**
 * The same for plane 1 (U+10000–U+1FFFF), indexed by code point minus 0x10000: decimal digits of
 * every script there (`\p{Nd}`: Osmanya, Brahmi, Adlam…, the segmented digits) and every
 * character whose compatibility form (NFKC) is one ASCII letter or digit — the Mathematical
 * Alphanumeric Symbols, `𝟎`–`𝟿` and `𝐀`–`𝚣`, an agent reads as `0`–`9` and `A`–`z`. No other plane
 * holds either (checked over every plane by the unit tests).
 */
export const ASTRAL_FOLD = new Uint8Array(0x10000);
const ASCII_ALPHANUMERIC = /^[0-9A-Za-z]$/;
runLength = 0;
for (let code = 0x10000; code < 0x20000; code++) {
  const char = String.fromCodePoint(code);
  if (DECIMAL_DIGIT.test(char)) {
    ASTRAL_FOLD[code - 0x10000] = 48 + (runLength % 10);
    runLength += 1;
    continue;
  }
  runLength = 0;
  const compatible = char.normalize("NFKC");
  if (ASCII_ALPHANUMERIC.test(compatible)) ASTRAL_FOLD[code - 0x10000] = compatible.charCodeAt(0);
}

/** What a surrogate pair at `i` folds to (0: none, or no pair there). */
function astralAt(text: string, i: number): number {
  const high = text.charCodeAt(i);
  if (high < 0xd800 || high > 0xdbff) return 0;
  const low = text.charCodeAt(i + 1);
  if (!(low >= 0xdc00 && low <= 0xdfff)) return 0;
  const code = ((high - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
  return code < 0x20000 ? (ASTRAL_FOLD[code - 0x10000] as number) : 0;
}

/**
 * Folded text, and where each of its UTF-16 units came from. A BMP look-alike folds one unit to
 * one, but an astral one is a surrogate pair folded to a single ASCII unit (a filler unit would
 * break the digit runs the detectors read): then `origin[i]` is the index in the original value of
 * the folded text's unit `i` (and `origin[text.length]` the original's length), so a span found in
 * the folded text is mapped back onto the ORIGINAL characters, both halves of each pair included.
 * `origin` is null when every fold was one to one and indices are the same.
 */
export type Folded = { text: string; origin: Int32Array | null };

/**
 * The value with its look-alikes folded to ASCII; the same string when there are none. Called only
 * for values with a non-ASCII character (`TextStats.nonAscii`), most are all ASCII.
 */
export function foldForDetection(text: string): Folded {
  let folded = "";
  let copiedTo = 0;
  let pairs = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let ascii = FOLD[code] as number;
    if (ascii !== 0) {
      folded += text.slice(copiedTo, i) + String.fromCharCode(ascii);
      copiedTo = i + 1;
      continue;
    }
    if (code < 0xd800 || code > 0xdbff) continue;
    ascii = astralAt(text, i);
    if (ascii === 0) continue;
    folded += text.slice(copiedTo, i) + String.fromCharCode(ascii);
    copiedTo = i + 2;
    pairs += 1;
    i += 1;
  }
  if (copiedTo === 0) return { text, origin: null };
  folded += text.slice(copiedTo);
  return { text: folded, origin: pairs === 0 ? null : originsOf(text, folded.length) };
}

/** The original index of each unit of the folded text: the fold's walk again, counting pairs. */
function originsOf(text: string, foldedLength: number): Int32Array {
  const origin = new Int32Array(foldedLength + 1);
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    origin[at] = i;
    at += 1;
    if (astralAt(text, i) !== 0) i += 1;
  }
  origin[at] = text.length;
  return origin;
}
