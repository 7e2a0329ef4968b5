import { describe, expect, it } from "vitest";
import { ByteGates } from "../src/byte-gates";
import { maskDetected } from "../src/content-masker";
import { DETECTOR_NAMES, type DetectorName, detect } from "../src/detectors";

const found = (text: string, name: DetectorName) =>
  detect(text, [name]).map((span) => text.slice(span.start, span.end));

describe("emails inside longer text", () => {
  it("finds each email once, by its own local part, wherever it sits", () => {
    expect(found("a@b@example.com", "email")).toEqual(["b@example.com"]);
    expect(found('{"to":"ada@example.com","cc":"bob@example.org"}', "email")).toEqual([
      "ada@example.com",
      "bob@example.org",
    ]);
    expect(found("(1,ada@example.com,x)", "email")).toEqual(["ada@example.com"]);
    expect(found("mail ada@example.com-x and @@ and x@ and z@example.io", "email")).toEqual(["z@example.io"]);
  });
});

const CASES: Record<DetectorName, { hits: string[]; misses: string[] }> = {
  email: {
    hits: ["ada.lovelace+test@example.co.uk", "x@y.io", `${"a".repeat(64)}@example.com`],
    misses: ["not an email", "user@localhost", "@example.com", "a@b", `${"a".repeat(65)}@example.com`],
  },
  phone: {
    hits: [
      "+1 415 555 0134",
      "+44 20 7946 0958",
      "(415) 555-0134",
      "415-555-0134",
      "415.555.0134",
      "+4915112345678",
    ],
    misses: ["4155550134", "order 123-4567", "2026-11-25", "1.5.2026", "+12"],
  },
  us_ssn: {
    hits: ["123-45-6789", "078-05-1120"],
    misses: [
      "123456789",
      "000-12-3456",
      "666-12-3456",
      "900-12-3456",
      "123-00-4567",
      "123-45-0000",
      "1234-56-7890",
    ],
  },
  payment_card: {
    hits: [
      "4242 4242 4242 4242",
      "4111-1111-1111-1111",
      "5555555555554444",
      "378282246310005",
      "6011111111111117",
      "3530111333300000",
      "2223003122003222",
    ],
    misses: ["4242 4242 4242 4241", "1234567890123456", "order 9999999999999999", "2026112512345678"],
  },
  iban: {
    hits: ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "FR1420041010050500013M02606"],
    misses: ["DE89 3704 0044 0532 0130 01", "GB00WEST12345698765432", "AB12"],
  },
  ip: {
    hits: ["192.168.1.20", "10.0.0.1", "2001:db8::8a2e:370:7334", "fe80::1"],
    misses: ["256.1.1.1", "1.2.3", "version 1.2.3.4.5", "12:30", "a::b"],
  },
  jwt: {
    hits: ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"],
    misses: ["eyJhbGciOiJIUzI1NiJ9", "header.payload.signature"],
  },
  cloud_key: {
    hits: [
      "AKIAIOSFODNN7EXAMPLE",
      "AIzaSyA1234567890abcdefghijklmnopqrstuv",
      `ghp_${"a".repeat(36)}`,
      "xoxb-123456789012-abcdef",
    ],
    misses: ["AKIA123", "akiaiosfodnn7example", "ghp_short"],
  },
  private_key: {
    hits: [
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
      "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----",
    ],
    misses: ["-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----", "private key"],
  },
};

describe("content detectors", () => {
  for (const name of DETECTOR_NAMES) {
    const { hits, misses } = CASES[name];
    it(`${name}: finds true positives inside surrounding text`, () => {
      for (const value of hits) expect(found(`before ${value} after`, name), value).toEqual([value]);
    });
    it(`${name}: leaves look-alikes alone`, () => {
      for (const value of misses) expect(found(value, name), value).toEqual([]);
    });
    it(`${name}: its byte gate lets every true positive through`, () => {
      const gates = new ByteGates([name]);
      for (const value of hits) {
        const bytes = Buffer.from(`before ${value} after ☃`);
        expect(gates.mayMatch(bytes, 0, bytes.length), value).toBe(true);
      }
    });
  }

  it("byte gates stop ordinary values and never stop what a detector finds", () => {
    const gates = new ByteGates(DETECTOR_NAMES);
    const plain = (text: string) => gates.mayMatch(Buffer.from(text), 0, Buffer.byteLength(text));
    for (const text of ["Customer 42", "2026", "true", "shipped", "café ☃", "1.5"])
      expect(plain(text), text).toBe(false);
    // Pieces of true positives shuffled together: whatever detect finds, the gate must let through.
    const pieces = Object.values(CASES).flatMap(({ hits, misses }) =>
      [...hits, ...misses].flatMap((value) => [value, value.slice(0, value.length / 2), value.slice(3)]),
    );
    let seed = 17;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let detected = 0;
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: 1 + next(3) }, () => pieces[next(pieces.length)]).join(
        [" ", "", "-", "."][next(4)],
      );
      if (detect(text, DETECTOR_NAMES).length === 0) continue;
      detected += 1;
      expect(gates.mayMatch(Buffer.from(text), 0, Buffer.byteLength(text)), text).toBe(true);
    }
    expect(detected).toBeGreaterThan(1000);
  });

  it("finds a card followed by more digit groups, but not inside a long unseparated number", () => {
    expect(found("card 4111 1111 1111 1111 123 ok", "payment_card")).toEqual(["4111 1111 1111 1111"]);
    expect(found("4111111111111111 05 27", "payment_card")).toEqual(["4111111111111111"]);
    expect(found("order 41111111111111111234", "payment_card")).toEqual([]);
  });

  it("a nine-digit order number is not an SSN, a formatted one is", () => {
    expect(detect("order 123456789 shipped", DETECTOR_NAMES)).toEqual([]);
    expect(detect("ssn 123-45-6789", DETECTOR_NAMES)).toHaveLength(1);
  });
});

describe("maskDetected", () => {
  const key = Buffer.alloc(32, 1);
  const rules = [
    { name: "emails", detector: "email", strategy: "HASH" },
    { name: "ssns", detector: "us_ssn", strategy: "REDACT" },
    { name: "cards", detector: "payment_card", strategy: "PARTIAL", keepLast: 4 },
  ] as const;

  it("masks inside JSON, arrays and composite-row text, keeping their shape", () => {
    const json = JSON.stringify({
      name: "Ada",
      email: "ada@example.com",
      ssn: "123-45-6789",
      card: "4242424242424242",
    });
    const masked = maskDetected(json, rules, key) ?? "";
    const parsed = JSON.parse(masked) as Record<string, string>;
    expect(parsed.name).toBe("Ada");
    expect(parsed.email).toMatch(/^h_[0-9a-f]{16}$/);
    expect(parsed.ssn).toBe("[REDACTED]");
    expect(parsed.card).toBe("************4242");
    expect(maskDetected('{"ada@example.com","bo@example.org"}', rules, key)).toMatch(
      /^\{"h_[0-9a-f]{16}","h_[0-9a-f]{16}"\}$/,
    );
    expect(maskDetected('(1,Ada,"123-45-6789")', rules, key)).toBe('(1,Ada,"[REDACTED]")');
  });

  it("keeps JSON valid when a detected value was not a JSON string (a row masker concern)", async () => {
    const { maskDataRow, planMasking } = await import("../src/row-masker");
    const json = '{"card": 4242424242424242, "note": "ok"}';
    const body = Buffer.from(json);
    const raw = Buffer.alloc(7 + 4 + body.length);
    raw.write("D", 0, "latin1");
    raw.writeInt32BE(raw.length - 1, 1);
    raw.writeInt16BE(1, 5);
    raw.writeInt32BE(body.length, 7);
    body.copy(raw, 11);
    const plan = planMasking(
      [{ name: "j", tableOid: 0, attnum: 0, typeOid: 3802, format: 0 }],
      { ruleFor: () => null },
      false,
      null,
      rules,
    );
    const out = maskDataRow(raw, plan, key);
    const value = out.toString("utf8", 11);
    expect(() => JSON.parse(value)).not.toThrow();
    expect(value).not.toContain("4242424242424242");
  });

  it("hashes deterministically, so masked values still join and group", () => {
    expect(maskDetected("ada@example.com", rules, key)).toBe(maskDetected("ada@example.com", rules, key));
    expect(maskDetected("nothing to see", rules, key)).toBeNull();
  });
});

describe("matches after a look-alike earlier in the value", () => {
  // Patterns start where the first match can (the first digit, the first long digit run, the first
  // dot between digits): a look-alike before the real value must not hide it.
  it("finds the real value after a shorter or invalid one of the same shape", () => {
    expect(found("ref 12345678901234, card 4242 4242 4242 4242", "payment_card")).toEqual([
      "4242 4242 4242 4242",
    ]);
    expect(found("9999999999 then 123-45-6789", "us_ssn")).toEqual(["123-45-6789"]);
    expect(found("v1.5 and 999.1.1.1 and 10.0.0.1", "ip")).toEqual(["10.0.0.1"]);
    expect(found("(415) 555-0134", "phone")).toEqual(["(415) 555-0134"]);
    expect(found("+1 415 555 0134", "phone")).toEqual(["+1 415 555 0134"]);
    expect(found("x: (415) 555-0134 and 2026-11-25", "phone")).toEqual(["(415) 555-0134"]);
    expect(found('{"ip":"10.0.0.1","tel":"415.555.0134"}', "phone")).toEqual(["415.555.0134"]);
  });

  it("merges overlapping spans of different detectors into the longest, earliest first", () => {
    const text = "10.0.0.1 ada@example.com 4242 4242 4242 4242 415-555-0134";
    const spans = detect(text, DETECTOR_NAMES).map((span) => text.slice(span.start, span.end));
    expect(spans).toEqual(["10.0.0.1", "ada@example.com", "4242 4242 4242 4242", "415-555-0134"]);
  });
});
