import { describe, expect, it } from "vitest";
import { mulberry32 as random } from "../../../test/mulberry32";
import { findAsciiEmails } from "../src/ascii-emails";
import { ByteGates, GateVerdict } from "../src/byte-gates";
import { DETECTOR_NAMES, detect } from "../src/detectors";

// The JSON masker finds emails in ASCII values from their bytes (ascii-emails.ts) when the byte
// gates say no other detector can match: both must find exactly what `detect` finds on the text.

/**
 * Pieces that make the pattern's edges likely: label and local characters, dots and `@`s next to
 * each other, `xn--`, digits (other detectors), separators, and runs around the 63/64 limits.
 */
const PIECES = [
  "a",
  "Z",
  "x",
  "n",
  "xn--",
  "XN--",
  "com",
  "io",
  "c0m",
  "7",
  "42",
  "-",
  ".",
  "..",
  "@",
  "@@",
  "_",
  "%",
  "+",
  " ",
  ",",
  ":",
  "(",
  "/",
  "user",
  "example",
  "123-45-6789",
  "4111111111111111",
  "10.0.0.1",
  "415.555.0134",
  "DE89",
];

/** Text of `length` characters drawn from `alphabet`. */
function drawn(next: () => number, alphabet: string, length: number): string {
  let text = "";
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
  return text;
}

/** A length, mostly short, sometimes around the pattern's 63/64 limits. */
function lengthOf(next: () => number): number {
  return next() < 0.1 ? 60 + Math.floor(next() * 8) : 1 + Math.floor(next() * 6);
}

/** Something shaped like an email, often not quite one: labels, dots and top-level labels varied. */
function emailish(next: () => number): string {
  let text = drawn(next, "abcXYZ019._%+-", lengthOf(next));
  text += next() < 0.1 ? "@@" : "@";
  const labels = 1 + Math.floor(next() * 11);
  for (let i = 0; i < labels; i++) {
    if (i > 0) text += next() < 0.05 ? ".." : ".";
    const roll = next();
    if (roll < 0.15) text += `xn--${drawn(next, "a1-", Math.floor(next() * 4))}`;
    else if (roll < 0.7) text += drawn(next, "abcdefXYZ", lengthOf(next));
    else text += drawn(next, "ab1-", lengthOf(next));
  }
  return text + (next() < 0.5 ? "" : (PIECES[Math.floor(next() * PIECES.length)] as string));
}

function corpus(count: number, seed: number): string[] {
  const next = random(seed);
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = "";
    const pieces = 1 + Math.floor(next() * 6);
    for (let p = 0; p < pieces; p++)
      text += next() < 0.5 ? emailish(next) : PIECES[Math.floor(next() * PIECES.length)];
    texts.push(text);
  }
  return texts;
}

const EDGES = [
  "ada@example.com",
  "a@b@example.com",
  "mail ada@example.com-x and @@ and x@ and z@example.io",
  `${"a".repeat(64)}@example.com`,
  `${"a".repeat(65)}@example.com`,
  `x@${"b".repeat(63)}.com`,
  `x@${"b".repeat(64)}.com`,
  `x@a.${"c".repeat(63)}`,
  `x@a.${"c".repeat(64)}`,
  "x@a.b.c.d.e.f.g.h.i.com",
  "x@a.b.c.d.e.f.g.h.i.j.com",
  "x@a.b.c.d.e.f.g.h.com.x1",
  "x@a.xn--p1ai",
  "x@a.xn--",
  "x@a.XN--p1ai",
  "x@a.com.",
  "x@a..com",
  "x@a.c",
  "x@a.c0m",
  "x@a.com-",
  "x@-.com",
  "a.b@c.d.e1",
  "first@a.io,second@b.io",
  "first@a.iosecond@b.io",
];

describe("emails from an ASCII value's bytes", () => {
  it("finds what detect finds, on edge cases and a random corpus", () => {
    const texts = [...EDGES, ...corpus(20_000, 17)];
    let withEmails = 0;
    for (const text of texts) {
      const bytes = Buffer.from(`"${text}"`, "latin1");
      const expected = detect(text, ["email"]);
      if (expected.length > 0) withEmails += 1;
      expect(findAsciiEmails(bytes, 1, bytes.length - 1), text).toEqual(expected);
    }
    // The corpus must exercise matches, not only misses.
    expect(withEmails).toBeGreaterThan(2_000);
    expect(withEmails).toBeLessThan(texts.length);
  });

  it("is used only when the gates rule out every other detector: detect then finds emails alone", () => {
    const gates = new ByteGates(DETECTOR_NAMES);
    const counts = { [GateVerdict.None]: 0, [GateVerdict.EmailOnly]: 0, [GateVerdict.Any]: 0 };
    let emailOnlyWithEmails = 0;
    for (const text of [...EDGES, ...corpus(20_000, 29)]) {
      const bytes = Buffer.from(text, "latin1");
      const verdict = gates.verdict(bytes, 0, bytes.length);
      counts[verdict] += 1;
      if (verdict === GateVerdict.None) expect(detect(text, DETECTOR_NAMES), text).toEqual([]);
      if (verdict !== GateVerdict.EmailOnly) continue;
      const spans = findAsciiEmails(bytes, 0, bytes.length);
      expect(spans, text).toEqual(detect(text, DETECTOR_NAMES));
      if (spans.length > 0) emailOnlyWithEmails += 1;
    }
    expect(emailOnlyWithEmails).toBeGreaterThan(100);
    expect(counts[GateVerdict.Any]).toBeGreaterThan(1_000);
    expect(counts[GateVerdict.None]).toBeGreaterThan(100);
  });

  it("says EmailOnly only when email is among the detectors", () => {
    const bytes = Buffer.from("ada@example.com");
    expect(new ByteGates(["phone", "us_ssn"]).verdict(bytes, 0, bytes.length)).toBe(GateVerdict.None);
    expect(new ByteGates(["email", "phone"]).verdict(bytes, 0, bytes.length)).toBe(GateVerdict.EmailOnly);
    // A detector the gates know no needs for could match anything: the bytes path is not taken.
    expect(new ByteGates(["email", "ip"]).verdict(Buffer.from("a@b.io:x"), 0, 8)).toBe(GateVerdict.Any);
  });
});
