import { BodyStreamError, JsonStreamMasker } from "@sluice/http-policy/json-stream-masker";
import { MAX_JSON_TOKEN_BYTES } from "@sluice/http-policy/limits";
import { planResponse } from "@sluice/http-policy/response-plan";
import { compileMasking, type ResponseMasking } from "@sluice/http-policy/value-masking";
import { describe, expect, it } from "vitest";
import { TextStreamMasker } from "../src/text-stream-masker";

const KEY = Buffer.alloc(32, 7);

const MASKING: ResponseMasking = compileMasking(
  [
    { name: "ssn", pointer: "/**/ssn", detector: null, strategy: "REDACT", keepLast: null, exemptGroups: [] },
    {
      name: "card",
      pointer: "/customers/*/card",
      detector: null,
      strategy: "PARTIAL",
      keepLast: 4,
      exemptGroups: [],
    },
    {
      name: "secret-object",
      pointer: "/customers/*/secrets",
      detector: null,
      strategy: "NULL",
      keepLast: null,
      exemptGroups: [],
    },
    {
      name: "emails",
      pointer: null,
      detector: "email",
      strategy: "REDACT",
      keepLast: null,
      exemptGroups: [],
    },
    {
      name: "cards",
      pointer: null,
      detector: "payment_card",
      strategy: "REDACT",
      keepLast: null,
      exemptGroups: [],
    },
  ],
  [],
  KEY,
);

const DOCUMENT = JSON.stringify({
  customers: [
    {
      id: 1,
      name: "Ada",
      email: "ada@example.com",
      ssn: "123-45-6789",
      card: "4111111111111111",
      secrets: { pin: "1234", nested: [1, { deep: "x" }] },
      note: "reach me at ada.l@example.org please",
      "bob@example.com": true,
      raw_card: 4111111111111111,
      escaped: 'caf\u00e9 \\"quoted\\" ☃ 😀',
    },
  ],
  total: 1.5e3,
  ok: true,
  missing: null,
  nested: { deeper: { ssn: 123456789 } },
});

function maskWhole(text: string, masking = MASKING): string {
  const masker = new JsonStreamMasker(masking);
  return Buffer.concat([masker.push(Buffer.from(text)), masker.end()]).toString();
}

describe("JsonStreamMasker", () => {
  it("masks by pointer and by detector, leaving the rest as it came", () => {
    const masked = JSON.parse(maskWhole(DOCUMENT));
    const customer = masked.customers[0];
    expect(customer.ssn).toBe("[REDACTED]");
    expect(customer.card).toBe("************1111");
    expect(customer.secrets).toBeNull();
    expect(customer.email).toBe("[REDACTED]");
    expect(customer.note).toBe("reach me at [REDACTED] please");
    expect(customer["[REDACTED]"]).toBe(true);
    expect(customer.raw_card).toBe("[REDACTED]");
    expect(customer.escaped).toBe('café \\"quoted\\" ☃ 😀');
    expect(customer.name).toBe("Ada");
    expect(masked.total).toBe(1500);
    expect(masked.nested.deeper.ssn).toBe("[REDACTED]");
    expect(maskWhole(DOCUMENT)).not.toContain("ada@example.com");
  });

  it("gives the same bytes for every split of the stream into two chunks", () => {
    const whole = maskWhole(DOCUMENT);
    const bytes = Buffer.from(DOCUMENT);
    for (let split = 0; split <= bytes.length; split++) {
      const masker = new JsonStreamMasker(MASKING);
      const out = Buffer.concat([
        masker.push(bytes.subarray(0, split)),
        masker.push(bytes.subarray(split)),
        masker.end(),
      ]);
      expect(out.toString(), `split at ${split}`).toBe(whole);
    }
  });

  it("reads byte by byte", () => {
    const masker = new JsonStreamMasker(MASKING);
    const bytes = Buffer.from(DOCUMENT);
    const parts: Buffer[] = [];
    for (let i = 0; i < bytes.length; i++) parts.push(masker.push(bytes.subarray(i, i + 1)));
    parts.push(masker.end());
    expect(Buffer.concat(parts).toString()).toBe(maskWhole(DOCUMENT));
  });

  it("reads NDJSON as a sequence of values", () => {
    const masker = new JsonStreamMasker(MASKING, true);
    const out =
      masker.push(Buffer.from('{"email":"a@example.com"}\n{"ssn":"1"}\n')).toString() +
      masker.end().toString();
    expect(out).toBe('{"email":"[REDACTED]"}\n{"ssn":"[REDACTED]"}\n');
  });

  it.each([
    ["<html>oops</html>", "unexpected"],
    ['{"a":1} {"b":2}', "after the JSON value"],
    ['{"a":1', "ended before"],
    ['{"a" 1}', "expected ':'"],
    ['{"a":tru}', "invalid JSON literal"],
    ['{"a":01}', "invalid JSON number"],
    ['{"a":"\\x"}', "invalid JSON string"],
    ['{"a":[1}', "unexpected"],
    ['{"a":"unterminated', "ended before"],
  ])("cuts %s (%s)", (text, why) => {
    expect(() => maskWhole(text)).toThrow(BodyStreamError);
    expect(() => maskWhole(text)).toThrow(why);
  });

  it("refuses a token longer than it holds", () => {
    const masker = new JsonStreamMasker(MASKING);
    masker.push(Buffer.from('{"a":"'));
    expect(() => masker.push(Buffer.alloc(MAX_JSON_TOKEN_BYTES + 1, 0x61))).toThrow("longer than");
  });

  it.each([
    ['{"a":"tab\there"}', "a value"],
    ['{"tab\there":1}', "a member name"],
    ['{"a":"caf\u00e9 \u0001"}', "a non-ASCII value"],
  ])("refuses a raw control character in %s (%s), in every split", (text) => {
    const bytes = Buffer.from(text);
    for (let split = 0; split <= bytes.length; split++) {
      const masker = new JsonStreamMasker(MASKING);
      expect(() => [
        masker.push(bytes.subarray(0, split)),
        masker.push(bytes.subarray(split)),
        masker.end(),
      ]).toThrow("invalid JSON string");
    }
  });

  it("masks a member name each time it recurs, and a long one too", () => {
    const long = `ada@${"x".repeat(60)}.example.com`;
    const records = Array.from({ length: 3 }, (_, id) => ({ id, "bob@example.com": id, [long]: id }));
    const masked = maskWhole(JSON.stringify(records));
    expect(masked).not.toContain("example.com");
    expect(JSON.parse(masked)).toEqual(records.map((_, id) => ({ id, "[REDACTED]": id })));
  });

  it("refuses invalid UTF-8 inside a string", () => {
    const masker = new JsonStreamMasker(MASKING);
    const body = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    expect(() => Buffer.concat([masker.push(body), masker.end()])).toThrow("UTF-8");
  });

  it("exempt groups see the values in clear", () => {
    const rules = [
      {
        name: "emails",
        pointer: null,
        detector: "email",
        strategy: "REDACT" as const,
        keepLast: null,
        exemptGroups: ["support"],
      },
    ];
    expect(maskWhole('{"e":"a@example.com"}', compileMasking(rules, ["support"], KEY))).toBe(
      '{"e":"a@example.com"}',
    );
    expect(maskWhole('{"e":"a@example.com"}', compileMasking(rules, ["bots"], KEY))).toBe(
      '{"e":"[REDACTED]"}',
    );
  });
});

describe("TextStreamMasker", () => {
  it("masks each line, across chunk splits", () => {
    const text = "user ada@example.com paid with 4111 1111 1111 1111\nsecond line\n";
    for (let split = 0; split <= text.length; split++) {
      const masker = new TextStreamMasker(MASKING);
      const out = Buffer.concat([
        masker.push(Buffer.from(text.slice(0, split))),
        masker.push(Buffer.from(text.slice(split))),
        masker.end(),
      ]);
      expect(out.toString()).toBe("user [REDACTED] paid with [REDACTED]\nsecond line\n");
    }
  });
});

describe("planResponse", () => {
  const plan = (rawHeaders: string[], method = "GET", masking = MASKING) =>
    planResponse({ method, status: 200, rawHeaders, masking });

  it("refuses compressed bodies whatever the masking", () => {
    expect(plan(["Content-Encoding", "gzip", "Content-Type", "application/json"]).kind).toBe("refuse");
    expect(plan(["Content-Encoding", "br"], "GET", compileMasking([], [], KEY)).kind).toBe("refuse");
  });

  it("refuses what it cannot read when masking applies", () => {
    expect(plan(["Content-Type", "application/octet-stream"])).toMatchObject({ kind: "refuse" });
    expect(plan([])).toMatchObject({ kind: "refuse" });
    expect(plan(["Content-Type", "text/plain; charset=latin1"])).toMatchObject({ kind: "refuse" });
  });

  it("refuses text when field rules apply: they name places in JSON, which text has not", () => {
    for (const type of ["text/plain", "text/csv; charset=utf-8", "text/html", "text/json"])
      expect(plan(["Content-Type", type]), type).toMatchObject({
        kind: "refuse",
        message: expect.stringContaining("field masking rules"),
      });
  });

  it("drops a shown header whose value a detector finds something in", () => {
    const detectorsOnly = compileMasking(
      [
        {
          name: "ssns",
          pointer: null,
          detector: "us_ssn",
          strategy: "REDACT",
          keepLast: null,
          exemptGroups: [],
        },
      ],
      [],
      KEY,
    );
    const headers = ["Content-Type", "application/json", "ETag", '"123-45-6789"', "X-Request-Id", "abc"];
    expect(plan(headers, "GET", detectorsOnly)).toMatchObject({
      headers: [
        ["content-type", "application/json"],
        ["x-request-id", "abc"],
      ],
    });
    expect(plan(headers, "HEAD", detectorsOnly)).toMatchObject({
      headers: expect.not.arrayContaining([["etag", '"123-45-6789"']]),
    });
  });

  it("picks the masker by content type", () => {
    expect(plan(["Content-Type", "application/json"])).toMatchObject({ bodyKind: "json" });
    expect(plan(["Content-Type", "application/problem+json"])).toMatchObject({ bodyKind: "json" });
    expect(plan(["Content-Type", "application/x-ndjson"])).toMatchObject({ bodyKind: "ndjson" });
    const detectorsOnly = compileMasking(
      [
        {
          name: "ssns",
          pointer: null,
          detector: "us_ssn",
          strategy: "REDACT",
          keepLast: null,
          exemptGroups: [],
        },
      ],
      [],
      KEY,
    );
    expect(plan(["Content-Type", "text/csv; charset=utf-8"], "GET", detectorsOnly)).toMatchObject({
      bodyKind: "text",
    });
    expect(plan(["Content-Type", "application/json"], "HEAD")).toMatchObject({ bodyKind: "none" });
    expect(plan(["Content-Type", "image/png"], "GET", compileMasking([], [], KEY))).toMatchObject({
      bodyKind: "unmasked",
    });
  });
});
