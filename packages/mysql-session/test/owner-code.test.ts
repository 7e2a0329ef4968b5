import { readStatementForMasking } from "@sluice/mysql-sql/masking-shape";
import { describe, expect, it } from "vitest";
import { ownerCodeRefusal } from "../src/owner-code";
import { readTriggerGrants } from "../src/trigger-grants";
import { triggerSightOf } from "../src/trigger-sight";
import { catalogOf } from "../src/upstream-catalog";
import type { TriggerRow } from "../src/write-code";

const TABLES = ["shop.customers", "shop.orders", "shop.audit", "other.orders", "other.audit"].map((name) => {
  const [schema, table] = name.split(".") as [string, string];
  return { schema, table, type: "BASE TABLE" };
});
const trigger = (schema: string, table: string, body: string): TriggerRow => ({
  schema,
  trigger: `on_${table}`,
  table,
  timing: "AFTER",
  event: "INSERT",
  body,
});
const COPY = "INSERT INTO audit SELECT NEW.id, ssn FROM shop.customers";
const catalogWith = (triggers: TriggerRow[]) =>
  catalogOf(TABLES, Date.now(), [], [], { triggers, columns: [] });
const judge = { selectors: ["*.customers.ssn"], isCallAllowed: () => false };
const refusalOf = (sql: string, triggers: TriggerRow[]) =>
  ownerCodeRefusal(readStatementForMasking(sql).shape, catalogWith(triggers), judge);

describe("the owner's code a MySQL write runs", () => {
  it("an unqualified table is every database's table of that name", () => {
    expect(refusalOf("INSERT INTO orders VALUES (1)", [trigger("other", "orders", COPY)])).toContain(
      "trigger on_orders (AFTER INSERT) on other.orders",
    );
    expect(refusalOf("INSERT INTO shop.orders VALUES (1)", [trigger("other", "orders", COPY)])).toBeNull();
  });

  it("a trigger's own writes are followed into their tables' triggers", () => {
    const triggers = [
      trigger("shop", "orders", "INSERT INTO audit VALUES (NEW.id, NULL)"),
      trigger("shop", "audit", "INSERT INTO other.audit SELECT NEW.order_id, ssn FROM shop.customers"),
    ];
    expect(refusalOf("INSERT INTO shop.orders VALUES (1)", triggers)).toContain("on_audit");
  });

  it("a read of a relation the catalog does not know may be anything", () => {
    const triggers = [trigger("shop", "orders", "INSERT INTO audit SELECT NEW.id, x FROM shop.gone")];
    expect(refusalOf("INSERT INTO shop.orders VALUES (1)", triggers)).toMatch(/cannot trace/);
  });

  it("a read only statement, and a write without a code catalog", () => {
    expect(refusalOf("SELECT * FROM shop.orders", [trigger("shop", "orders", COPY)])).toBeNull();
    const withoutCode = catalogOf(TABLES, Date.now());
    expect(
      ownerCodeRefusal(readStatementForMasking("DELETE FROM shop.audit").shape, withoutCode, judge),
    ).toMatch(/catalog could not be read/);
  });

  it("a table whose triggers the read may have missed runs code Sluice cannot judge", () => {
    // MySQL, the login holding TRIGGER on shop.orders alone: shop.audit's triggers are not listed.
    const sight = triggerSightOf(
      readTriggerGrants(["GRANT TRIGGER ON `shop`.`orders` TO `app`@`%`"]),
      TABLES,
    );
    const catalog = {
      ...catalogWith([trigger("shop", "orders", "INSERT INTO hidden.log VALUES (NEW.id)")]),
      triggerSight: sight,
    };
    const refusal = (sql: string) => ownerCodeRefusal(readStatementForMasking(sql).shape, catalog, judge);
    expect(refusal("INSERT INTO shop.audit VALUES (1)")).toMatch(
      /^a write to shop.audit runs the triggers of shop.audit, which Sluice cannot see \(the brokered login lacks the TRIGGER privilege on shop.audit/,
    );
    // shop.orders' trigger is seen, and writes a table the login holds nothing on.
    expect(refusal("INSERT INTO shop.orders VALUES (1)")).toMatch(
      /runs the triggers of hidden.log, which Sluice cannot see \(the brokered login holds no privilege on hidden.log/,
    );
    expect(
      ownerCodeRefusal(
        readStatementForMasking("INSERT INTO shop.audit VALUES (1)").shape,
        catalogWith([]),
        judge,
      ),
    ).toBeNull();
  });
});
