import { describe, expect, it } from "vitest";
import { describeMatch } from "../src/app/(console)/guardrails/describe-match";

describe("describeMatch", () => {
  it("lists statement kinds as words", () => {
    expect(describeMatch("STATEMENT_KIND", { kinds: ["DROP", "TRUNCATE"] })).toBe("DROP, TRUNCATE");
  });

  it("names the access a table rule looks at, read or write by default", () => {
    expect(describeMatch("TABLE", { tables: ["public.customers"], access: "write" })).toBe(
      "public.customers (write)",
    );
    expect(describeMatch("TABLE", { tables: ["public.*"] })).toBe("public.* (read or write)");
  });

  it("keeps keys the form does not know, so nothing judged is hidden", () => {
    expect(describeMatch("FUNCTION", { functions: ["pg_sleep"], schema: "public" })).toBe(
      "pg_sleep schema: public",
    );
  });

  it("reads an HTTP call's match as the call it refuses", () => {
    expect(
      describeMatch("HTTP_REQUEST", {
        methods: ["POST", "PUT"],
        path: "/users/{id}",
        body: { "/role": "admin" },
      }),
    ).toBe('POST/PUT /users/{id} · body /role = "admin"');
  });

  it("says when a list is empty and when a kind has no parameters", () => {
    expect(describeMatch("COLUMN", { columns: [] })).toBe("none");
    expect(describeMatch("COLUMN", {})).toBe("nothing listed");
    expect(describeMatch("READ_ONLY", {})).toBe("—");
  });
});
