import type { RelationCatalog } from "@sluice/sql/column-lineage";
import { describe, expect, it } from "vitest";
import { type OwnerCodeReading, readColumnExpression, readTriggerBody } from "../src/owner-code-reading";

/** Every name is a table of database `shop` whose columns are not listed. */
const NAMES_ONLY: RelationCatalog = {
  relationsNamed: (schema, name) => [{ schema: schema ?? "shop", table: name, columns: null }],
};
const ORDERS = { schema: "shop", table: "orders" };

/** What a reading reads, as `table.column` (`?` for unknown), or why it is unreadable. */
function reads(reading: OwnerCodeReading): string {
  if (!reading.isReadable) return `unreadable: ${reading.why}`;
  if (reading.reads.isUnknown) return "?";
  return reading.reads.columns.map((source) => `${source.table}.${source.column}`).join(" ");
}

describe("a trigger's body", () => {
  it("NEW.x and OLD.x are the written row's columns, wherever they stand", () => {
    const copy = readTriggerBody(
      "INSERT INTO audit SELECT NEW.id, c.ssn FROM customers c WHERE c.id = NEW.customer_id",
      ORDERS,
      NAMES_ONLY,
    );
    expect(reads(copy)).toBe("orders.id customers.ssn customers.id orders.customer_id");
    expect(copy.isReadable && copy.writes).toEqual([{ schema: "shop", table: "audit" }]);
    expect(reads(readTriggerBody("SET NEW.note = OLD.ssn", ORDERS, NAMES_ONLY))).toBe(
      "orders.ssn orders.note",
    );
  });

  it("SET NEW.updated_at = NOW() reads nothing but its target and calls NOW", () => {
    const touch = readTriggerBody("SET NEW.updated_at = NOW()", ORDERS, NAMES_ONLY);
    expect(reads(touch)).toBe("orders.updated_at");
    expect(touch.isReadable && touch.calls).toEqual([{ schema: null, name: "now" }]);
  });

  it("a user variable may hold anything", () => {
    expect(reads(readTriggerBody("SET NEW.note = @copied", ORDERS, NAMES_ONLY))).toBe("?");
  });

  it("a procedure call, a compound body and an alias named NEW are unreadable", () => {
    expect(reads(readTriggerBody("CALL log_it(NEW.id)", ORDERS, NAMES_ONLY))).toMatch(/stored procedure/);
    expect(reads(readTriggerBody("BEGIN SET NEW.a = 1; END", ORDERS, NAMES_ONLY))).toMatch(/^unreadable/);
    expect(
      reads(readTriggerBody("INSERT INTO audit SELECT new.ssn FROM customers new", ORDERS, NAMES_ONLY)),
    ).toMatch(/NEW or OLD/);
  });
});

describe("a computed column's expression", () => {
  const CUSTOMERS = { schema: "shop", table: "customers" };
  it("reads the columns of its own table", () => {
    expect(reads(readColumnExpression("right(`ssn`,4)", CUSTOMERS, NAMES_ONLY))).toBe("customers.ssn");
    expect(reads(readColumnExpression("current_timestamp()", CUSTOMERS, NAMES_ONLY))).toBe("");
  });

  it("an expression that closes the SELECT around it is not one expression", () => {
    expect(reads(readColumnExpression("1) FROM t; SELECT (2", CUSTOMERS, NAMES_ONLY))).toMatch(/^unreadable/);
  });
});
