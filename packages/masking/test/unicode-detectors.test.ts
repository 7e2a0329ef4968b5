import { describe, expect, it } from "vitest";
import { ByteGates } from "../src/byte-gates";
import { maskDetected } from "../src/content-masker";
import { DETECTOR_NAMES, type DetectorName, detect } from "../src/detectors";
import { ASTRAL_FOLD, foldForDetection } from "../src/unicode-fold";

const found = (text: string, name: DetectorName) =>
  detect(text, [name]).map((span) => text.slice(span.start, span.end));

const NBSP = "\u00a0";
const NB_HYPHEN = "\u2011";
const NARROW_NBSP = "\u202f";
/** Plane 1 look-alikes, each a surrogate pair: `𝟎` bold, `𝟘` double-struck, `𝟬` sans-serif bold. */
const BOLD = (ascii: string) => [...ascii].map((d) => String.fromCodePoint(0x1d7ce + Number(d))).join("");
const DOUBLE_STRUCK = (ascii: string) =>
  [...ascii].map((d) => String.fromCodePoint(0x1d7d8 + Number(d))).join("");
const SANS_BOLD = (ascii: string) =>
  [...ascii].map((d) => String.fromCodePoint(0x1d7ec + Number(d))).join("");
/** Segmented digits U+1FBF0–U+1FBF9 (Symbols for Legacy Computing). */
const SEGMENTED = (ascii: string) =>
  [...ascii].map((d) => String.fromCodePoint(0x1fbf0 + Number(d))).join("");
/** Mathematical bold capitals U+1D400–U+1D419. */
const BOLD_CAPITALS = (ascii: string) =>
  [...ascii].map((c) => String.fromCodePoint(0x1d400 + c.charCodeAt(0) - 65)).join("");

/** Values an agent reads as sensitive though a part of them is not ASCII; each was missed before. */
type Cases = { hits: string[]; misses: string[] };
const CASES: Partial<Record<DetectorName, Cases>> = {
  email: {
    hits: [
      "zoë@example.com",
      "用户@例子.广告",
      "josé.garcía@correo.es",
      "δοκιμή@παράδειγμα.δοκιμή",
      "ada@münchen.de",
      "ada@xn--mnchen-3ya.de",
      "info@example.xn--p1ai",
      "ada＠example.com",
      "用户@例子。广告",
      "ｚｏｅ@ｅｘａｍｐｌｅ.ｃｏｍ",
    ],
    misses: ["价格@店铺", "用户@例子", "@例子.广告", "zoë@example.c", "東京。大阪", "café ☃", "zoë@"],
  },
  phone: {
    hits: [
      `+44${NBSP}20${NBSP}7946${NBSP}0958`,
      `+81 90${NB_HYPHEN}1234${NB_HYPHEN}5678`,
      "＋１ ４１５ ５５５ ０１３４",
      "٤١٥-٥٥٥-٠١٣٤",
      `(415)${NARROW_NBSP}555${NB_HYPHEN}0134`,
      "415\u2013555\u20130134",
      `+1 ${BOLD("415")} ${BOLD("555")} ${BOLD("0134")}`,
      `(${SEGMENTED("415")}) ${SEGMENTED("555")}-${SEGMENTED("0134")}`,
    ],
    misses: ["２０２６－１１－２５", "４１５５５５０１３４", "＋１２"],
  },
  us_ssn: {
    hits: [
      "１２３－４５－６７８９",
      `123${NB_HYPHEN}45${NB_HYPHEN}6789`,
      "١٢٣-٤٥-٦٧٨٩",
      `${BOLD("123")}-${BOLD("45")}-${BOLD("6789")}`,
      `${DOUBLE_STRUCK("123")}-45-${SANS_BOLD("6789")}`,
    ],
    misses: ["１２３４５６７８９", "０００－１２－３４５６", BOLD("123456789"), `${BOLD("000")}-12-3456`],
  },
  payment_card: {
    hits: [
      "４２４２ ４２４２ ４２４２ ４２４２",
      `4111${NBSP}1111${NBSP}1111${NBSP}1111`,
      "४२४२४२४२४२४२४२४२",
      `5555${NB_HYPHEN}5555${NB_HYPHEN}5555${NB_HYPHEN}4444`,
      "4242\u200b4242\u200b4242\u200b4242",
      [..."4111111111111111"].join("\u2060"),
      `${BOLD("4242")} ${BOLD("4242")} ${BOLD("4242")} ${BOLD("4242")}`,
      `4111 ${SANS_BOLD("1111")} ${DOUBLE_STRUCK("1111")} 1111`,
      SEGMENTED("4242424242424242"),
    ],
    misses: [
      "４２４２ ４２４２ ４２４２ ４２４１",
      "１２３４５６７８９０１２３４５６",
      BOLD("4242424242424241"),
    ],
  },
  iban: {
    hits: [
      "ＤＥ８９ ３７０４ ００４４ ０５３２ ０１３０ ００",
      `GB82${NBSP}WEST${NBSP}1234${NBSP}5698${NBSP}7654${NBSP}32`,
      `${BOLD_CAPITALS("DE")}${BOLD("89")} ${BOLD("3704")} 0044 0532 0130 00`,
    ],
    misses: ["ＤＥ８９ ３７０４ ００４４ ０５３２ ０１３０ ０１"],
  },
  ip: {
    hits: ["１９２．１６８．１．２０", "２００１：ｄｂ８：：１"],
    misses: ["１．２．３", "２５６．１．１．１"],
  },
};

describe("detectors read non-ASCII look-alikes as the ASCII value", () => {
  for (const [name, { hits, misses }] of Object.entries(CASES) as [DetectorName, Cases][]) {
    it(`${name}: finds each inside surrounding text, as the original characters`, () => {
      for (const value of hits) expect(found(`before ${value} after`, name), value).toEqual([value]);
    });
    it(`${name}: leaves look-alikes alone`, () => {
      for (const value of misses) expect(found(value, name), value).toEqual([]);
    });
    it(`${name}: its byte gate lets every one through`, () => {
      const gates = new ByteGates([name]);
      for (const value of hits) {
        const bytes = Buffer.from(`before ${value} after`);
        expect(gates.mayMatch(bytes, 0, bytes.length), value).toBe(true);
      }
    });
  }

  it("folds BMP look-alikes one unit to one, and returns ASCII and plain text as they came", () => {
    for (const hit of Object.values(CASES).flatMap((c) => c.hits)) {
      if (/[\ud800-\udfff]/.test(hit)) continue;
      const folded = foldForDetection(hit);
      expect(folded.text.length, hit).toBe(hit.length);
      expect(folded.origin, hit).toBeNull();
    }
    const ascii = "Customer note 42";
    expect(foldForDetection(ascii).text).toBe(ascii);
    expect(foldForDetection("Привет, 東京").text).toBe("Привет, 東京");
    expect(foldForDetection("＋１ ４１５").text).toBe("+1 415");
  });

  it("folds each astral look-alike's surrogate pair to one unit, and maps it back to the pair", () => {
    const value = `a😀${BOLD("12")}x${SEGMENTED("3")}\ud835`;
    const folded = foldForDetection(value);
    // The emoji and the lone high surrogate are no look-alikes: kept as they are, unit for unit.
    expect(folded.text).toBe("a😀12x3\ud835");
    expect([...(folded.origin ?? [])]).toEqual([0, 1, 2, 3, 5, 7, 8, 10, 11]);
    expect(foldForDetection(BOLD_CAPITALS("AZ")).text).toBe("AZ");
  });

  it("no plane but plane 1 holds a digit or an ASCII look-alike (ASTRAL_FOLD covers them all)", () => {
    const digit = /^\p{Nd}$/u;
    const alphanumeric = /^[0-9A-Za-z]$/;
    for (let code = 0x20000; code <= 0x10ffff; code += 1) {
      const char = String.fromCodePoint(code);
      if (digit.test(char) || alphanumeric.test(char.normalize("NFKC"))) throw new Error(code.toString(16));
    }
    for (let code = 0x10000; code < 0x20000; code += 1) {
      const char = String.fromCodePoint(code);
      const expected = digit.test(char) || alphanumeric.test(char.normalize("NFKC"));
      expect(ASTRAL_FOLD[code - 0x10000] !== 0, code.toString(16)).toBe(expected);
    }
  });

  it("masks the original characters and leaves the text around them byte for byte", () => {
    const key = Buffer.alloc(32, 1);
    const rules = [
      { name: "emails", detector: "email", strategy: "REDACT" },
      { name: "cards", detector: "payment_card", strategy: "PARTIAL", keepLast: 4 },
    ] as const;
    const text = '{"名前":"ゾーイ","mail":"zoë@example.com","card":"４２４２ ４２４２ ４２４２ ４２４２"}';
    const masked = JSON.parse(maskDetected(text, rules, key) ?? "{}") as Record<string, string>;
    expect(masked).toEqual({ 名前: "ゾーイ", mail: "[REDACTED]", card: "***************４２４２" });
    const astral = `{"card":"${BOLD("4242")} ${BOLD("4242")} ${BOLD("4242")} ${BOLD("4242")}","n":"𝟘 ok"}`;
    const maskedAstral = JSON.parse(maskDetected(astral, rules, key) ?? "{}") as Record<string, string>;
    // Whole characters replaced: fifteen of nineteen stars, the last four kept as the pairs they are.
    expect(maskedAstral).toEqual({ card: `***************${BOLD("4242")}`, n: "𝟘 ok" });
  });

  it("an address glued to text of its own script is masked with it (fail closed)", () => {
    // RFC 6531 lets `連絡先はzoe` be a local part: the whole run is masked, never a part of it.
    expect(found("連絡先はzoe@example.comです", "email")).toEqual(["連絡先はzoe@example.comです"]);
    expect(found("mail: zoë@example.com, thanks", "email")).toEqual(["zoë@example.com"]);
  });
});

describe("byte gates over mixed-script values", () => {
  const gates = new ByteGates(DETECTOR_NAMES);
  const mayMatch = (text: string) => gates.mayMatch(Buffer.from(text), 0, Buffer.byteLength(text));

  it("still stop ordinary text in other scripts", () => {
    for (const text of ["Привет мир", "東京タワー", "café crème", "Ελληνικά", "こんにちは世界", "한국어"])
      expect(mayMatch(text), text).toBe(false);
  });

  it("never stop a value a detector finds something in", () => {
    const pieces = [
      ...Object.values(CASES).flatMap(({ hits, misses }) =>
        [...hits, ...misses].flatMap((value) => [value, value.slice(0, value.length / 2), value.slice(2)]),
      ),
      "東京",
      "Привет",
      "é",
      "٣",
      "５",
      "。",
      "＠",
      NBSP,
      NB_HYPHEN,
      "☃",
      "𝟘",
    ];
    let seed = 29;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const joiners = [" ", "", "-", ".", NBSP, "－", "．", "@"];
    let detected = 0;
    for (let i = 0; i < 4000; i++) {
      const parts = Array.from({ length: 1 + next(4) }, () => pieces[next(pieces.length)]);
      const text = parts.join(joiners[next(joiners.length)]);
      if (detect(text, DETECTOR_NAMES).length === 0) continue;
      detected += 1;
      expect(mayMatch(text), text).toBe(true);
    }
    expect(detected).toBeGreaterThan(1000);
  });
});
