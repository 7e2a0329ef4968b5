import { JsonStreamMasker } from "@sluice/http-policy/json-stream-masker";
import { compileMasking } from "@sluice/http-policy/value-masking";
import { describe, expect, it } from "vitest";

const KEY = Buffer.alloc(32, 3);
const rule = (name: string, pointer: string | null, detector: string | null, strategy: string) => ({
  name,
  pointer,
  detector,
  strategy: strategy as "REDACT",
  keepLast: strategy === "PARTIAL" ? 4 : null,
  exemptGroups: [],
});
const MASKING = compileMasking(
  [
    rule("ssn", "/**/ssn", null, "REDACT"),
    rule("card", "$.rows[*].card", null, "PARTIAL"),
    rule("vault", "/rows/*/vault", null, "NULL"),
    rule("email", null, "email", "HASH"),
    rule("cards", null, "payment_card", "REDACT"),
  ],
  [],
  KEY,
);

/**
 * Every kind of token the tokenizer reads, each where a split can fall inside it: escapes (an
 * email hidden behind `\u0040`, which only its decoded text shows), multi-byte UTF-8, numbers with
 * fractions and exponents, literals, an object a rule replaces whole, recurring member names, a
 * card as a JSON number, and a number ending the document.
 */
const DOCUMENT = [
  '{"rows":[',
  '{"id":1,"name":"Ada","email":"ada@example.com","ssn":"123-45-6789","card":"4111111111111111",',
  '"vault":{"pin":"1234","list":[1,{"k":"v"}]},"note":"mail ada\\u0040example.com or caf\\u00e9",',
  '"ok":true,"gone":null,"no":false,"amount":-12.5e+3},',
  '{"id":2,"name":"Zoë ☃ 😀","email":"zoe@example.com","ssn":123456789,"card":"5555555555554444",',
  '"vault":[],"note":"4111111111111111 paid","ok":false,"gone":null,"no":true,"amount":0.25}',
  '],"bob@example.com":4111111111111111,"total":2}',
].join("");

function masked(chunks: Buffer[]): string {
  const masker = new JsonStreamMasker(MASKING);
  return Buffer.concat([...chunks.map((chunk) => masker.push(chunk)), masker.end()]).toString();
}

describe("JsonStreamMasker reading a document split anywhere", () => {
  const bytes = Buffer.from(DOCUMENT);
  const whole = masked([bytes]);

  it("masks what the rules name, and only that", () => {
    const out = JSON.parse(whole);
    const [ada, zoe] = out.rows;
    expect(ada.ssn).toBe("[REDACTED]");
    expect(zoe.ssn).toBe("[REDACTED]");
    expect(ada.card).toBe("************1111");
    expect(ada.vault).toBeNull();
    expect(zoe.vault).toBeNull();
    expect(ada.email).toMatch(/^h_[0-9a-f]{16}$/);
    expect(ada.note).toBe(`mail ${ada.email} or café`);
    expect(zoe.email).toMatch(/^h_[0-9a-f]{16}$/);
    expect(zoe.note).toBe("[REDACTED] paid");
    // A member name is scanned too: the email key is hashed, the card number under it redacted.
    expect(Object.keys(out)).toEqual(["rows", expect.stringMatching(/^h_[0-9a-f]{16}$/), "total"]);
    expect(out[Object.keys(out)[1] as string]).toBe("[REDACTED]");
    expect(whole).not.toContain("example.com");
    expect(whole).not.toContain("4111111111111111");
    // What no rule names comes out byte for byte, spacing and escapes included.
    expect(whole).toContain('"name":"Zoë ☃ 😀"');
    expect(whole).toContain('"ok":true,"gone":null,"no":false,"amount":-12.5e+3}');
    expect(whole).toContain('"amount":0.25}');
    expect(whole.endsWith(',"total":2}')).toBe(true);
  });

  it("gives the same bytes for every split into two chunks", () => {
    for (let split = 0; split <= bytes.length; split++)
      expect(masked([bytes.subarray(0, split), bytes.subarray(split)]), `split at ${split}`).toBe(whole);
  });

  it("gives the same bytes for every split into three chunks around each token", () => {
    // Each pair of positions within a window, slid over the document: a token cut twice.
    const WINDOW = 24;
    for (let first = 0; first <= bytes.length; first += 3)
      for (let second = first; second <= Math.min(bytes.length, first + WINDOW); second++) {
        const chunks = [bytes.subarray(0, first), bytes.subarray(first, second), bytes.subarray(second)];
        expect(masked(chunks), `splits at ${first} and ${second}`).toBe(whole);
      }
  });

  it("gives the same bytes read one byte at a time, the chunk's memory reused after each", () => {
    // The stream may hand the next chunk in the same memory: nothing may point into an old one.
    const scratch = Buffer.alloc(1);
    const masker = new JsonStreamMasker(MASKING);
    const parts: Buffer[] = [];
    for (const byte of bytes) {
      scratch[0] = byte;
      parts.push(Buffer.from(masker.push(scratch)));
    }
    parts.push(masker.end());
    expect(Buffer.concat(parts).toString()).toBe(whole);
  });
});
