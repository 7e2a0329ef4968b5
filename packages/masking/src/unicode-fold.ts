// Non-ASCII look-alikes of the characters detectors read, folded to ASCII before the detectors run.

/**
 * Each BMP character that reads as an ASCII one a detector matches on, mapped to that ASCII code
 * (0: left as is). A phone number written `+44 20 7946 0958` with no-break spaces or `090‑1234`
 * with U+2011, a card or SSN in full-width digits (PostgreSQL prints text as stored), an address
 * with `＠` or `。`: an agent reads all of them as the ASCII value, so the detectors must too.
 * Only one UTF-16 unit to one: the folded text has the same length, and a span found in it is the
 * same span of the original value.
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
 * The value with its look-alikes folded to ASCII; the same string when there are none. Called only
 * for values with a non-ASCII character (`TextStats.nonAscii`), most are all ASCII.
 */
export function foldForDetection(text: string): string {
  let folded = "";
  let copiedTo = 0;
  for (let i = 0; i < text.length; i++) {
    const ascii = FOLD[text.charCodeAt(i)] as number;
    if (ascii === 0) continue;
    folded += text.slice(copiedTo, i) + String.fromCharCode(ascii);
    copiedTo = i + 1;
  }
  return copiedTo === 0 ? text : folded + text.slice(copiedTo);
}
