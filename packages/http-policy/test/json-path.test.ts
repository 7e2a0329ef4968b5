import { evaluateRequest } from "@sluice/http-policy/evaluate";
import { parseJsonPath, parseSelector } from "@sluice/http-policy/json-path";
import { ANY_DEPTH, ANY_ONE, parsePointer } from "@sluice/http-policy/json-pointer";
import { JsonStreamMasker } from "@sluice/http-policy/json-stream-masker";
import { readRequest } from "@sluice/http-policy/read-request";
import { ZHttpRequestMatch } from "@sluice/http-policy/rules";
import { compileMasking } from "@sluice/http-policy/value-masking";
import { describe, expect, it } from "vitest";

const KEY = Buffer.alloc(32, 3);

function mask(selectors: string[], document: unknown, strategy: "REDACT" | "NULL" = "REDACT"): unknown {
  const masking = compileMasking(
    selectors.map((pointer, index) => ({
      name: `rule-${index}`,
      pointer,
      detector: null,
      strategy,
      keepLast: null,
      exemptGroups: [],
    })),
    [],
    KEY,
  );
  const masker = new JsonStreamMasker(masking);
  return JSON.parse(
    Buffer.concat([masker.push(Buffer.from(JSON.stringify(document))), masker.end()]).toString(),
  );
}

const ORDERS = {
  customers: [
    { id: 1, email: "a@x.test", cards: [{ number: "4111", cvv: "123" }], address: { zip: "1000" } },
    { id: 2, email: "b@x.test", cards: [], address: { zip: "2000", geo: { zip: "inner" } } },
  ],
  zip: "top",
  "odd name": { "it's": "quoted" },
};

describe("JSONPath selectors", () => {
  it.each([
    ["$", []],
    ["$.customers[*].email", ["customers", ANY_ONE, "email"]],
    ["$.customers.*.email", ["customers", ANY_ONE, "email"]],
    ["$..zip", [ANY_DEPTH, "zip"]],
    ["$..*", [ANY_DEPTH, ANY_ONE]],
    ["$..[0]", [ANY_DEPTH, "0"]],
    ["$.customers[1]['address']", ["customers", "1", "address"]],
    [`$['odd name']["it's"]`, ["odd name", "it's"]],
    ["$['a\\'b']", ["a'b"]],
    ["$['a.b/c~d']", ["a.b/c~d"]],
    ["$.ünïcode", ["ünïcode"]],
  ])("reads %s", (path, tokens) => {
    expect(parseSelector(path)).toEqual(tokens);
  });

  it.each([
    ["customers", "must start with"],
    ["$.customers[?(@.id==1)]", "not a name"],
    ["$.customers[0:2]", "not a name"],
    ["$.customers[-1]", "not a name"],
    ["$.customers[0,1]", "not a name"],
    ["$['a','b']", "expected ']'"],
    ["$.customers.length()", "unexpected"],
    ["$.", "expected a member name"],
    ["$..", "expected a member name"],
    ["$['open", "unterminated"],
    ["$['a\\x']", "unsupported escape"],
    ["$ .a", "unexpected"],
  ])("refuses %s", (path, why) => {
    expect(() => parseJsonPath(path)).toThrow(why);
  });

  it("a JSON Pointer and its JSONPath read the same", () => {
    expect(parseSelector("$.customers[*].cards[*].number")).toEqual(
      parsePointer("/customers/*/cards/*/number"),
    );
    expect(parseSelector("$..zip")).toEqual(parsePointer("/**/zip"));
  });

  it("masks array items, nested fields and descendants", () => {
    const masked = mask(
      ["$.customers[*].email", "$..zip", "$.customers[*].cards[*].cvv"],
      ORDERS,
    ) as typeof ORDERS;
    expect(masked.customers.map((c) => c.email)).toEqual(["[REDACTED]", "[REDACTED]"]);
    expect(masked.customers[0]?.cards[0]).toEqual({ number: "4111", cvv: "[REDACTED]" });
    expect(masked.customers[1]?.address).toEqual({ zip: "[REDACTED]", geo: { zip: "[REDACTED]" } });
    expect(masked.zip).toBe("[REDACTED]");
    expect(masked.customers[0]?.id).toBe(1);
  });

  it("an index names one item only; a whole object or array is replaced", () => {
    const masked = mask(["$.customers[1].email", "$.customers[0].cards"], ORDERS, "NULL") as typeof ORDERS;
    expect(masked.customers[0]?.email).toBe("a@x.test");
    expect(masked.customers[1]?.email).toBeNull();
    expect(masked.customers[0]?.cards).toBeNull();
    expect(masked.customers[1]?.cards).toEqual([]);
  });

  it("wildcards at every level and quoted names", () => {
    const masked = mask(["$.*.*.zip", "$['odd name'][\"it's\"]"], ORDERS) as typeof ORDERS;
    // $.*.*.zip: the zip of anything two levels down (customers[n].zip does not exist).
    expect(masked.customers[0]?.address.zip).toBe("1000");
    expect(masked["odd name"]["it's"]).toBe("[REDACTED]");
    const deeper = mask(["$.customers.*.*.zip"], ORDERS) as typeof ORDERS;
    expect(deeper.customers.map((c) => c.address.zip)).toEqual(["[REDACTED]", "[REDACTED]"]);
    expect(deeper.customers[1]?.address.geo?.zip).toBe("inner");
  });

  it("body rules take JSONPath too", () => {
    const match = ZHttpRequestMatch.parse({ methods: ["POST"], body: { "$.items[*].role": "admin" } });
    const policy = {
      connectionName: "shop",
      isReadOnly: false,
      rules: [{ name: "no-admin-items", effect: "DENY" as const, match }],
      reviews: [],
      masking: [],
    };
    const judge = (body: unknown) => {
      const read = readRequest({
        method: "POST",
        target: "/shop/orders",
        rawHeaders: ["content-type", "application/json"],
        body: Buffer.from(JSON.stringify(body)),
      });
      if (!read.ok) throw new Error(read.refusal.message);
      return evaluateRequest(policy, read.value).kind;
    };
    expect(judge({ items: [{ role: "user" }, { role: "admin" }] })).toBe("deny");
    expect(judge({ items: [{ role: "user" }] })).toBe("allow");
    expect(ZHttpRequestMatch.safeParse({ body: { "$.items[?(@.x)]": "*" } }).success).toBe(false);
  });
});
