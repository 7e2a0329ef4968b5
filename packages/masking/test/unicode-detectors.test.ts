import { describe, expect, it } from "vitest";
import { ByteGates } from "../src/byte-gates";
import { maskDetected } from "../src/content-masker";
import { DETECTOR_NAMES, type DetectorName, detect } from "../src/detectors";
import { foldForDetection } from "../src/unicode-fold";

const found = (text: string, name: DetectorName) =>
  detect(text, [name]).map((span) => text.slice(span.start, span.end));

const NBSP = "\u00a0";
const NB_HYPHEN = "\u2011";
const NARROW_NBSP = "\u202f";

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
    ],
    misses: ["２０２６－１１－２５", "４１５５５５０１３４", "＋１２"],
  },
  us_ssn: {
    hits: ["１２３－４５－６７８９", `123${NB_HYPHEN}45${NB_HYPHEN}6789`, "١٢٣-٤٥-٦٧٨٩"],
    misses: ["１２３４５６７８９", "０００－１２－３４５６"],
  },
  payment_card: {
    hits: [
      "４２４２ ４２４２ ４２４２ ４２４２",
      `4111${NBSP}1111${NBSP}1111${NBSP}1111`,
      "४२४२४२४२४२४२४२४२",
      `5555${NB_HYPHEN}5555${NB_HYPHEN}5555${NB_HYPHEN}4444`,
      "4242\u200b4242\u200b4242\u200b4242",
      [..."4111111111111111"].join("\u2060"),
    ],
    misses: ["４２４２ ４２４２ ４２４２ ４２４１", "１２３４５６７８９０１２３４５６"],
  },
  iban: {
    hits: [
      "ＤＥ８９ ３７０４ ００４４ ０５３２ ０１３０ ００",
      `GB82${NBSP}WEST${NBSP}1234${NBSP}5698${NBSP}7654${NBSP}32`,
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

  it("folds to a string of the same length, and returns ASCII and plain text as they came", () => {
    for (const hit of Object.values(CASES).flatMap((c) => c.hits)) {
      expect(foldForDetection(hit).length, hit).toBe(hit.length);
    }
    const ascii = "Customer note 42";
    expect(foldForDetection(ascii)).toBe(ascii);
    expect(foldForDetection("Привет, 東京")).toBe("Привет, 東京");
    expect(foldForDetection("＋１ ４１５")).toBe("+1 415");
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
