import { describe, expect, it } from "vitest";
import { exampleForColumn, exampleForRule } from "../src/example-value";
import { maskExample } from "../src/preview-masking";

describe("masking preview examples", () => {
  it("are shaped like what the column holds, by name first and type second", () => {
    expect(exampleForColumn("card_number", "text")).toBe("4111 1111 1111 1111");
    expect(exampleForColumn("ssn", "text")).toBe("123-45-6789");
    expect(exampleForColumn("email", "text")).toBe("jane.doe@example.com");
    expect(exampleForColumn("salary", "numeric(10,2)")).toBe("85000.00");
    expect(exampleForColumn("hired_on", "date")).toBe("1990-04-01");
    expect(exampleForColumn("notes", "text")).toBe("Jane Doe");
  });

  it("follow a rule's detector or its selector's column part", () => {
    expect(exampleForRule({ detector: "us_ssn" })).toBe("123-45-6789");
    expect(exampleForRule({ columnSelector: "public.customers.card_number" })).toBe("4111 1111 1111 1111");
    expect(exampleForRule({ columnSelector: "public.customers.*" })).toBe("Jane Doe");
  });

  it("name a JSON field's value by its last member, in JSON Pointer or JSONPath", () => {
    expect(exampleForRule({ jsonPointer: "$..ssn" })).toBe("123-45-6789");
    expect(exampleForRule({ jsonPointer: "/customers/*/card_number" })).toBe("4111 1111 1111 1111");
    expect(exampleForRule({ jsonPointer: "$['customers'][0]['email']" })).toBe("jane.doe@example.com");
    expect(exampleForRule({ jsonPointer: "$.items[*]" })).toBe(exampleForColumn("items"));
  });

  it("mask a card column with PARTIAL to its last digits, not to an email's tail", () => {
    const card = exampleForColumn("card_number");
    const masked = maskExample({ name: "cards", strategy: "PARTIAL", keepLast: 4 }, card);
    expect(masked?.endsWith("1111")).toBe(true);
    expect(masked).not.toContain("4111 1111 1111");
    expect(maskExample({ name: "n", strategy: "NULL" }, card)).toBeNull();
    expect(maskExample({ name: "h", strategy: "HASH" }, card)).not.toBe(card);
  });
});
