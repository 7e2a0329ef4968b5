import { createHash } from "node:crypto";
import type { ReviewRequest } from "@sluice/policy/decision-point";
import { loadParser } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";
import { reviewedCallHash, reviewedCallKeys } from "../src/reviewed-call-seal";
import { reviewedStatement } from "../src/reviewed-statement";

const KEYS = reviewedCallKeys(Buffer.alloc(32, 3));

beforeAll(() => loadParser());

function request(sql: string, maskedTables: string[]): ReviewRequest {
  return {
    identity: {
      agentId: "agent-1",
      agentName: "analyst",
      groups: [],
      connectionId: "conn-1",
      connectionName: "shop",
      sessionId: "session-1",
    },
    sql,
    rule: "writes",
    reviewerGroups: ["ops"],
    message: "writes customers",
    touches: { kinds: ["insert"], tables: ["public.customers"], columns: [] },
    onApproval: { kind: "allow", maskedTables },
  };
}

describe("a held SQL statement as its review row keeps it", () => {
  it("redacts every literal of a statement touching masked tables, and keys its hash", () => {
    const sql = "INSERT INTO customers (first_name, ssn) VALUES ('Ada', '123-45-6789')";
    const reviewed = reviewedStatement(request(sql, ["public.customers"]), KEYS);
    expect(reviewed.shown).toBe(
      "INSERT INTO customers (first_name, ssn) VALUES ('[REDACTED]', '[REDACTED]')",
    );
    // Not a plain SHA-256, which a guess at the one short value would reverse.
    expect(reviewed.hash).not.toBe(createHash("sha256").update(sql).digest("hex"));
    expect(reviewed.hash).toBe(reviewedCallHash(KEYS, sql));
    // The exact same statement again (a non-blocking retry) finds the same review; another does not.
    expect(reviewedStatement(request(sql, ["public.customers"]), KEYS).hash).toBe(reviewed.hash);
    expect(reviewedStatement(request(sql.replace("6789", "6780"), ["public.customers"]), KEYS).hash).not.toBe(
      reviewed.hash,
    );
  });

  it("bounds literals by the statement's own server's lexer", () => {
    const postgres = "UPDATE customers SET note = $$Lovelace$$ /* Ada */ WHERE id = 1";
    expect(reviewedStatement(request(postgres, ["public.customers"]), KEYS).shown).toBe(
      "UPDATE customers SET note = '[REDACTED]' /* [REDACTED] */ WHERE id = 1",
    );
    const mysql = `UPDATE customers SET note = 'Love\\'lace', city = "London" WHERE id = 1`;
    const onMySql = { ...request(mysql, ["shop.customers"]), dialect: "mysql" as const };
    expect(reviewedStatement(onMySql, KEYS).shown).toBe(
      "UPDATE customers SET note = '[REDACTED]', city = '[REDACTED]' WHERE id = 1",
    );
  });

  it("keeps ordinary literals where no masked table is touched, but never a detected value", () => {
    const sql = "UPDATE staff SET title = 'Director', contact = 'ada@example.com' WHERE id = 7";
    const reviewed = reviewedStatement(request(sql, []), KEYS);
    expect(reviewed.shown).toContain("'Director'");
    expect(reviewed.shown).toContain("id = 7");
    expect(reviewed.shown).not.toContain("ada@example.com");
  });

  it("keeps an HTTP call's own protection as given", () => {
    const protectedText = { shown: "POST /shop/orders {masked}", sealed: "box", hash: "keyed" };
    const reviewed = reviewedStatement({ ...request("POST /shop/orders {…}", []), protectedText }, KEYS);
    expect(reviewed).toEqual({ shown: "POST /shop/orders {masked}", hash: "keyed" });
  });
});
