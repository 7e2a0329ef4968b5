import { JsonStreamMasker } from "@sluice/http-policy/json-stream-masker";
import type { HttpMaskingRule } from "@sluice/http-policy/rules";
import { compileMasking, type ResponseMasking } from "@sluice/http-policy/value-masking";
import { describe, expect, it } from "vitest";
import { mulberry32 as random } from "../../../test/mulberry32";
import { JsonStreamMasker as ReferenceMasker } from "./reference/json-stream-masker";

/**
 * The streaming masker against its reference (test/reference: the masker as it was before its
 * tokenizer was made faster), on random JSON and NDJSON split at every byte: the same bytes out,
 * and the same error at the same point for input that is not JSON. Seeded, so a failure repeats.
 */

const KEY = Buffer.alloc(32, 9);

function rule(
  name: string,
  pointer: string | null,
  detector: string | null,
  strategy: HttpMaskingRule["strategy"],
): HttpMaskingRule {
  return { name, pointer, detector, strategy, keepLast: strategy === "PARTIAL" ? 4 : null, exemptGroups: [] };
}

/** Rule sets that reach every path of the masker: cached rule nodes, index pointers, whole containers, detectors only. */
const MASKINGS: Array<[string, ResponseMasking]> = [
  [
    "pointers and detectors",
    compileMasking(
      [
        rule("ssn", "/**/ssn", null, "REDACT"),
        rule("card", "$.rows[*].card", null, "PARTIAL"),
        rule("vault", "/rows/*/vault", null, "NULL"),
        rule("hashed", "/**/id", null, "HASH"),
        rule("email", null, "email", "HASH"),
        rule("cards", null, "payment_card", "REDACT"),
        rule("phones", null, "phone", "PARTIAL"),
      ],
      [],
      KEY,
    ),
  ],
  [
    "an index pointer (rules matched per value)",
    compileMasking(
      [
        rule("first", "/rows/0/name", null, "REDACT"),
        rule("deep", "$..note", null, "HASH"),
        rule("ssns", null, "us_ssn", "REDACT"),
      ],
      [],
      KEY,
    ),
  ],
  [
    "detectors only",
    compileMasking([rule("email", null, "email", "REDACT"), rule("ip", null, "ip", "HASH")], [], KEY),
  ],
];

const NAMES = [
  "id",
  "name",
  "email",
  "ssn",
  "card",
  "vault",
  "note",
  "rows",
  "n\\u0061me",
  "caf\\u00e9",
  "zoë",
  "ada@example.com",
  'a\\"b',
  "",
  "😀",
];
const STRINGS = [
  "Ada",
  "ada@example.com",
  "mail ada\\u0040example.com now",
  "123-45-6789",
  "4111111111111111",
  "+1 415 555 0100",
  "10.0.0.1",
  "Zoë ☃ 😀",
  "\\ud83d\\ude00 pair",
  "\\ud83d lone",
  'tab\\there \\"quoted\\" back\\\\slash \\/',
  "",
  "x".repeat(70),
];
const NUMBERS = ["0", "-1", "12.5", "-12.5e+3", "1E9", "4111111111111111", "0.25", "123456789"];
const LITERALS = ["true", "false", "null"];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)] as T;
}

function space(next: () => number): string {
  return next() < 0.8 ? "" : pick(next, [" ", "\n", "\t", "\r\n  "]);
}

/** Random JSON text, written by hand so it can hold duplicate names, escapes and odd whitespace. */
function value(next: () => number, depth: number): string {
  const roll = next();
  if (depth < 6 && roll < 0.25) {
    const members = Array.from(
      { length: Math.floor(next() * 5) },
      () => `${space(next)}"${pick(next, NAMES)}"${space(next)}:${space(next)}${value(next, depth + 1)}`,
    );
    return `{${members.join(",")}${space(next)}}`;
  }
  if (depth < 6 && roll < 0.4) {
    const items = Array.from(
      { length: Math.floor(next() * 4) },
      () => `${space(next)}${value(next, depth + 1)}`,
    );
    return `[${items.join(",")}${space(next)}]`;
  }
  if (roll < 0.75) return `"${pick(next, STRINGS)}"`;
  if (roll < 0.9) return pick(next, NUMBERS);
  return pick(next, LITERALS);
}

/** A document shaped like an API's answer, so pointer rules find their places. */
function document(next: () => number): string {
  const rows = Array.from({ length: 1 + Math.floor(next() * 3) }, () => value(next, 1));
  return `{"rows":[${rows.join(",")}],"note":${value(next, 1)}}`;
}

/** Not JSON any more: cut short, a byte dropped, or a stray byte. */
function broken(next: () => number, text: string): string {
  const at = Math.floor(next() * text.length);
  const roll = next();
  if (roll < 0.3) return text.slice(0, at);
  if (roll < 0.6) return text.slice(0, at) + text.slice(at + 1);
  return (
    text.slice(0, at) + pick(next, ["x", "}", "]", ",", '"', "\\", "\u0001", "\xff", "01"]) + text.slice(at)
  );
}

type Masker = { push(chunk: Buffer): Buffer; end(): Buffer };

/** Everything a masker wrote, then how it stopped: the bytes of each push up to an error, and the error. */
function run(masker: Masker, chunks: readonly Buffer[]): string {
  const written: Buffer[] = [];
  try {
    for (const chunk of chunks) written.push(masker.push(chunk));
    written.push(masker.end());
    return Buffer.concat(written).toString("latin1");
  } catch (error) {
    return `${Buffer.concat(written).toString("latin1")}\n!! ${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

function splits(bytes: Buffer, at: number): Buffer[] {
  // Copies: the masker holds a straddling token's bytes, so a reused buffer would show a bug.
  return [Buffer.from(bytes.subarray(0, at)), Buffer.from(bytes.subarray(at))];
}

function compare(masking: ResponseMasking, bytes: Buffer, isSequence: boolean): void {
  const whole = run(new ReferenceMasker(masking, isSequence), [bytes]);
  expect(run(new JsonStreamMasker(masking, isSequence), [bytes])).toBe(whole);
  for (let at = 0; at <= bytes.length; at++) {
    const chunks = splits(bytes, at);
    const expected = run(new ReferenceMasker(masking, isSequence), chunks);
    const actual = run(new JsonStreamMasker(masking, isSequence), chunks);
    if (actual !== expected)
      expect({ at, text: bytes.toString(), actual }).toEqual({
        at,
        text: bytes.toString(),
        actual: expected,
      });
  }
  const single = [...bytes].map((byte) => Buffer.from([byte]));
  expect(run(new JsonStreamMasker(masking, isSequence), single)).toBe(
    run(new ReferenceMasker(masking, isSequence), single),
  );
}

/** Thousands of masker runs per test: minutes' worth of margin on a shared, loaded machine. */
const TIMEOUT_MS = 120_000;

describe("JsonStreamMasker against its reference", { timeout: TIMEOUT_MS }, () => {
  for (const [name, masking] of MASKINGS) {
    it(`masks random JSON alike, split at every byte (${name})`, () => {
      const next = random(17);
      for (let i = 0; i < 30; i++) compare(masking, Buffer.from(document(next)), false);
    });

    it(`stops alike on broken JSON (${name})`, () => {
      const next = random(29);
      for (let i = 0; i < 30; i++)
        compare(masking, Buffer.from(broken(next, document(next)), "latin1"), false);
    });

    it(`masks NDJSON alike (${name})`, () => {
      const next = random(43);
      for (let i = 0; i < 8; i++) {
        const lines = Array.from({ length: 3 }, () => document(next)).join("\n");
        compare(masking, Buffer.from(lines), true);
      }
    });
  }

  it("masks a long run of alike records alike, in random chunks (the member-name guesses)", () => {
    const next = random(5);
    const [, masking] = MASKINGS[0] as [string, ResponseMasking];
    const records = Array.from({ length: 400 }, (_, id) => {
      // Mostly one shape, sometimes a member missing, renamed, escaped or repeated.
      const members = [
        `"id":${id}`,
        `"name":"Customer ${id}"`,
        `"email":"user${id}@example.com"`,
        `"ssn":"123-45-6789"`,
        `"card":"4111111111111111"`,
      ];
      const roll = next();
      if (roll < 0.1) members.splice(Math.floor(next() * members.length), 1);
      else if (roll < 0.2) members.push(`"ssn":"${id}"`);
      else if (roll < 0.3) members[1] = `"n\\u0061me":"x${id}"`;
      else if (roll < 0.35) members.reverse();
      return `{${members.join(",")}}`;
    });
    const bytes = Buffer.from(`{"rows":[${records.join(",")}]}`);
    for (let round = 0; round < 20; round++) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; ) {
        const size = 1 + Math.floor(next() * 300);
        chunks.push(Buffer.from(bytes.subarray(at, at + size)));
        at += size;
      }
      expect(run(new JsonStreamMasker(masking), chunks)).toBe(run(new ReferenceMasker(masking), chunks));
    }
  });

  it("nests as deep as the limit alike, and refuses one deeper alike", () => {
    const [, masking] = MASKINGS[0] as [string, ResponseMasking];
    for (const depth of [127, 128, 129])
      compare(masking, Buffer.from(`${"[".repeat(depth)}"a@b.co"${"]".repeat(depth)}`), false);
  });
});
