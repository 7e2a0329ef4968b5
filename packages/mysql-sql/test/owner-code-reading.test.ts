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

  it("a procedure call and an alias named NEW are unreadable", () => {
    expect(reads(readTriggerBody("CALL log_it(NEW.id)", ORDERS, NAMES_ONLY))).toMatch(/stored procedure/);
    expect(
      reads(readTriggerBody("INSERT INTO audit SELECT new.ssn FROM customers new", ORDERS, NAMES_ONLY)),
    ).toMatch(/NEW or OLD/);
  });
});

describe("a compound trigger body", () => {
  it("is read statement by statement: a local variable carries what was read into it", () => {
    const body = `BEGIN
      DECLARE copied VARCHAR(20);
      SELECT ssn INTO copied FROM customers WHERE id = NEW.customer_id;
      INSERT INTO audit VALUES (NEW.id, copied);
    END`;
    const reading = readTriggerBody(body, ORDERS, NAMES_ONLY);
    expect(reads(reading)).toBe("customers.ssn customers.id orders.customer_id orders.id");
    expect(reading.isReadable && reading.writes).toEqual([{ schema: "shop", table: "audit" }]);
  });

  it("reads IF and ELSEIF conditions, DECLARE defaults and SIGNAL items, in nested blocks", () => {
    const body = `outer: BEGIN
      DECLARE n INT DEFAULT (SELECT COUNT(*) FROM limits);
      IF NEW.qty > n THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = CONCAT('over ', NEW.code);
      ELSEIF OLD.qty IS NULL THEN LEAVE outer;
      ELSE BEGIN DECLARE m INT; SET m = NEW.qty, NEW.note = 'ok'; END;
      END IF;
    END outer`;
    expect(reads(readTriggerBody(body, ORDERS, NAMES_ONLY))).toBe(
      "orders.qty orders.code orders.qty orders.qty orders.note",
    );
  });

  it("a variable declared in an inner block is a column again outside it", () => {
    const body =
      "BEGIN BEGIN DECLARE ssn INT; SET ssn = 1; END; INSERT INTO audit SELECT ssn FROM customers; END";
    expect(reads(readTriggerBody(body, ORDERS, NAMES_ONLY))).toBe("customers.ssn");
    // Inside its block the name is the variable (the server reads it so before a column).
    const inner = "BEGIN DECLARE ssn INT DEFAULT 0; INSERT INTO audit VALUES (NEW.id, ssn); END";
    expect(reads(readTriggerBody(inner, ORDERS, NAMES_ONLY))).toBe("orders.id");
  });

  it("loops, cursors, handlers, dynamic SQL, CALL and files are not followed", () => {
    for (const [body, why] of [
      ["BEGIN DECLARE n INT DEFAULT 0; WHILE n < 3 DO SET n = n + 1; END WHILE; END", /a loop/],
      ["l: BEGIN LOOP LEAVE l; END LOOP; END", /a loop/],
      ["BEGIN DECLARE c CURSOR FOR SELECT ssn FROM customers; OPEN c; END", /a cursor/],
      ["BEGIN DECLARE CONTINUE HANDLER FOR SQLEXCEPTION SET @e = 1; END", /handler/],
      ["BEGIN PREPARE s FROM @sql; EXECUTE s; END", /dynamic SQL/],
      ["BEGIN EXECUTE IMMEDIATE 'SELECT 1'; END", /dynamic SQL/],
      ["BEGIN CALL log_it(NEW.id); END", /stored procedure/],
      ["BEGIN CASE NEW.a WHEN 1 THEN SET NEW.b = 2; END CASE; END", /CASE statement/],
      ["BEGIN SELECT ssn INTO OUTFILE '/tmp/x' FROM customers; END", /OUTFILE/],
      ["BEGIN SET NEW.a = 1; END; SELECT 1", /after the body's END/],
      ["BEGIN DECLARE new INT; SET NEW.a = 1; END", /variable named new/],
      ["BEGIN SET NEW.a = @anything; END", /^\?$/],
    ] as const) {
      expect(reads(readTriggerBody(body, ORDERS, NAMES_ONLY)), body).toMatch(why);
    }
  });

  it("a condition that is not one expression is not read as one", () => {
    const body = "BEGIN IF 1) FROM customers WHERE (ssn THEN SET NEW.a = 1; END IF; END";
    expect(reads(readTriggerBody(body, ORDERS, NAMES_ONLY))).toMatch(/^unreadable/);
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
