import { JsonStreamMasker } from "@sluice/http-policy/json-stream-masker";
import type { HttpMaskingRule } from "@sluice/http-policy/rules";
import { compileMasking } from "@sluice/http-policy/value-masking";
import { maskDetected } from "@sluice/masking/content-masker";
import { maskText } from "@sluice/masking/strategies";
import { describe, expect, it } from "vitest";

// The masker writes ASCII values' replacements from their bytes (masked-scalar-bytes.ts) and others
// through strings: both must give what the string functions give, value for value.
const KEY = Buffer.alloc(32, 9);

function rule(name: string, fields: Partial<HttpMaskingRule>): HttpMaskingRule {
  return {
    name,
    pointer: null,
    detector: null,
    strategy: "REDACT",
    keepLast: null,
    exemptGroups: [],
    ...fields,
  };
}

function masked(rules: HttpMaskingRule[], body: unknown): unknown {
  const masker = new JsonStreamMasker(compileMasking(rules, [], KEY));
  const bytes = Buffer.from(JSON.stringify(body));
  return JSON.parse(Buffer.concat([masker.push(bytes), masker.end()]).toString("utf8"));
}

const VALUES = [
  "4111111111111111",
  "ab",
  "x",
  "",
  "zoë@example.com",
  "日本語テキスト",
  "emoji 😀 tail",
  'quote " and \\ backslash',
  "tab\tin it",
  12345678,
  -3.5e10,
];

describe("JSON masker: replacements from bytes equal the string functions'", () => {
  for (const strategy of ["PARTIAL", "HASH"] as const)
    it(`pointer rule ${strategy} on strings (ASCII or not, escaped or not) and numbers`, () => {
      const rules = [rule("v", { pointer: "/*/v", strategy, keepLast: 4 })];
      const out = masked(
        rules,
        VALUES.map((v) => ({ v })),
      ) as { v: string }[];
      out.forEach((item, i) => {
        const text = String(VALUES[i]);
        expect(item.v, text).toBe(maskText({ name: "v", strategy, keepLast: 4 }, text, 0, text.length, KEY));
      });
    });

  for (const strategy of ["REDACT", "PARTIAL", "HASH", "NULL"] as const)
    it(`detectors under ${strategy}: spans replaced, the rest kept`, () => {
      const rules = [
        rule("e", { detector: "email", strategy, keepLast: 3 }),
        rule("s", { detector: "us_ssn", strategy: "HASH" }),
      ];
      const values = [
        "mail ada@example.com and bob@example.org, ssn 123-45-6789.",
        "ada@example.com",
        "no match here",
        "zoë@example.com then ada@example.com",
        'esc \\" ada@example.com',
        "9876543210",
      ];
      const out = masked(rules, values) as string[];
      const compiled = compileMasking(rules, [], KEY);
      out.forEach((item, i) => {
        const text = values[i] as string;
        expect(item, text).toBe(maskDetected(text, compiled.detectors, KEY) ?? text);
      });
    });
});

describe("JSON masker: emails read from bytes when no other detector can match", () => {
  // Locals, domains and what follows, combined: every value goes through the bytes path (ASCII,
  // only the email detector's needs met) or, with digits enough for the others, through detect.
  const LOCALS = ["ada", "a.b+c", "x", "a".repeat(64), "a".repeat(65), "", "7"];
  const DOMAINS = [
    "example.com",
    "a.b.c.d.e.f.g.h.i.io",
    "a.b.c.d.e.f.g.h.i.j.io",
    "a.xn--p1ai",
    "a.c0m",
    "a..io",
    "io",
  ];
  const TAILS = ["", "-x", ".", " and bob@example.org", ", ssn 123-45-6789", "@b.io"];
  const values = LOCALS.flatMap((local) =>
    DOMAINS.flatMap((domain) => TAILS.map((tail) => `${local}@${domain}${tail}`)),
  );

  for (const detectors of [["email"], ["email", "phone", "us_ssn", "payment_card", "iban", "ip"]] as const)
    it(`gives maskDetected's result for each value (detectors: ${detectors.join(", ")})`, () => {
      const rules = detectors.map((detector) => rule(detector, { detector, strategy: "HASH" }));
      const out = masked(rules, values) as string[];
      const compiled = compileMasking(rules, [], KEY);
      let changed = 0;
      out.forEach((item, i) => {
        const text = values[i] as string;
        const expected = maskDetected(text, compiled.detectors, KEY) ?? text;
        if (expected !== text) changed += 1;
        expect(item, text).toBe(expected);
      });
      expect(changed).toBeGreaterThan(values.length / 3);
    });
});
