import { describe, expect, it } from "vitest";
import { followedColumnsOf } from "../src/followed-columns";
import { readTriggerGrants } from "../src/trigger-grants";
import { listsTriggersByPrivilege, triggerSightOf } from "../src/trigger-sight";
import { catalogOf } from "../src/upstream-catalog";

/**
 * Which tables' triggers a catalog read may have missed, from the server's kind and the login's
 * TRIGGER grants: MySQL lists a table's triggers only to a login holding TRIGGER on it.
 */
const RELATIONS = [
  { schema: "shop", table: "orders", type: "BASE TABLE" },
  { schema: "shop", table: "customers", type: "BASE TABLE" },
  { schema: "Shop", table: "Customers", type: "BASE TABLE" },
  { schema: "shop", table: "cv", type: "VIEW" },
  { schema: "crm", table: "leads", type: "BASE TABLE" },
];

const sightOf = (...lines: string[]) => triggerSightOf(readTriggerGrants(lines), RELATIONS);

describe("listsTriggersByPrivilege", () => {
  it("is false only for MariaDB's version strings", () => {
    expect(listsTriggersByPrivilege("10.11.6-MariaDB-0+deb12u1")).toBe(false);
    expect(listsTriggersByPrivilege("11.4.2-MariaDB-log")).toBe(false);
    expect(listsTriggersByPrivilege("8.0.36")).toBe(true);
    expect(listsTriggersByPrivilege("8.4.0-commercial")).toBe(true);
    expect(listsTriggersByPrivilege("5.7.44-log")).toBe(true);
    expect(listsTriggersByPrivilege("")).toBe(true);
  });
});

describe("triggerSightOf", () => {
  it("sees a table's triggers through TRIGGER on the table, its database or everything", () => {
    const table = sightOf("GRANT INSERT, TRIGGER ON `shop`.`orders` TO `app`@`%`");
    expect(table.whyUnseen("shop.orders", true)).toBeNull();
    expect(table.whyUnseen("shop.customers", true)).toMatch(
      /lacks the TRIGGER privilege on shop.customers, and MySQL lists a table's triggers only to a login holding it/,
    );
    const schema = sightOf("GRANT ALL PRIVILEGES ON `shop`.* TO `app`@`%`");
    expect(schema.whyUnseen("shop.orders", true)).toBeNull();
    expect(schema.whyUnseen("crm.leads", true)).toMatch(/crm.leads/);
    const global = sightOf("GRANT SELECT, TRIGGER ON *.* TO `app`@`%`");
    expect(global.whyUnseen("crm.leads", true)).toBeNull();
  });

  it("takes a partial revoke's database away from a global grant, in any case", () => {
    const sight = sightOf("GRANT TRIGGER ON *.* TO `app`@`%`", "REVOKE TRIGGER ON `SHOP`.* FROM `app`@`%`");
    expect(sight.whyUnseen("shop.orders", true)).toMatch(/lacks the TRIGGER privilege/);
    expect(sight.whyUnseen("crm.leads", true)).toBeNull();
    // A grant on the database itself gives it back, as on the server.
    const regranted = sightOf(
      "GRANT TRIGGER ON *.* TO `app`@`%`",
      "GRANT TRIGGER ON `shop`.* TO `app`@`%`",
      "REVOKE TRIGGER ON `shop`.* FROM `app`@`%`",
    );
    expect(regranted.whyUnseen("shop.orders", true)).toBeNull();
  });

  it("counts a database grant only where its name is the table's own, wildcards read literally", () => {
    for (const grant of ["`shop%`.*", "`sho_`.*", "`shop\\_x`.*", "`SHOP`.*"]) {
      expect(
        sightOf(`GRANT TRIGGER ON ${grant} TO \`app\`@\`%\``).whyUnseen("shop.orders", true),
      ).not.toBeNull();
    }
  });

  it("reads a database grant's name as the server's rules say, the first matching row deciding", () => {
    const rules = { isCaseFolded: false, readsWildcards: true };
    const under = (...lines: string[]) => triggerSightOf(readTriggerGrants(lines), RELATIONS, rules);
    for (const grant of ["`shop%`.*", "`sho_`.*", "`%`.*"])
      expect(under(`GRANT TRIGGER ON ${grant} TO \`app\`@\`%\``).whyUnseen("shop.orders", true)).toBeNull();
    for (const grant of ["`shop\\_x`.*", "`SHOP`.*", "`crm%`.*"])
      expect(
        under(`GRANT TRIGGER ON ${grant} TO \`app\`@\`%\``).whyUnseen("shop.orders", true),
      ).not.toBeNull();
    // `shop` is the row the server reads for shop (the most specific), and it lacks TRIGGER.
    const shadowed = under("GRANT TRIGGER ON `s%`.* TO `app`@`%`", "GRANT SELECT ON `shop`.* TO `app`@`%`");
    expect(shadowed.whyUnseen("shop.orders", true)).toMatch(/lacks the TRIGGER privilege/);
    expect(shadowed.whyUnseen("crm.leads", true)).toMatch(/lacks the TRIGGER privilege/);
    const literal = triggerSightOf(readTriggerGrants(["GRANT TRIGGER ON `sho_`.* TO `app`@`%`"]), RELATIONS, {
      isCaseFolded: false,
      readsWildcards: false,
    });
    expect(literal.whyUnseen("shop.orders", true)).not.toBeNull();
  });

  it("makes a name unseen when any of its spellings is", () => {
    const sight = sightOf("GRANT TRIGGER ON `shop`.`customers` TO `app`@`%`");
    expect(sight.whyUnseen("shop.customers", true)).toMatch(/Shop.Customers/);
    expect(sight.whyUnseen("SHOP.CUSTOMERS", true)).toMatch(/Shop.Customers/);
  });

  it("counts a table the read does not list when a view or a trigger reaches it", () => {
    for (const sight of [sightOf("GRANT TRIGGER ON *.* TO `app`@`%`"), triggerSightOf(null, RELATIONS)]) {
      // An unqualified name's other candidates: the login could not write them directly.
      expect(sight.whyUnseen("pg_temp.orders", true)).toBeNull();
      expect(sight.whyUnseen("audit.log", false)).toBe(
        "the brokered login holds no privilege on audit.log, so the server lists none of its triggers to it",
      );
      expect(sight.whyUnseen("shop.orders", false)).toBeNull();
    }
  });

  it("on MariaDB, sees every trigger of the tables the read listed, whatever the grants", () => {
    const sight = triggerSightOf(null, RELATIONS);
    expect(sight.whyUnseen("shop.customers", true)).toBeNull();
    expect(sight.whyUnseen("crm.leads", false)).toBeNull();
  });

  it("leaves the server's own databases and views alone, and refuses everything on unread grants", () => {
    const sight = sightOf("GRANT USAGE ON *.* TO `app`@`%`");
    expect(sight.whyUnseen("mysql.user", false)).toBeNull();
    expect(sight.whyUnseen("shop.cv", true)).toBeNull();
    expect(sight.whyUnseen("shop.cv", false)).toBeNull();
    const unread = sightOf("REVOKE TRIGGER ON `shop`.`orders` FROM `app`@`%`");
    expect(unread.whyUnseen("crm.leads", true)).toMatch(/grants could not be read \(a REVOKE/);
    expect(unread.whyUnseen("performance_schema.setup_actors", true)).toBeNull();
    // sys is an ordinary database (MySQL's own sys_config has triggers), and MySQL another one.
    expect(unread.whyUnseen("sys.sys_config", true)).toMatch(/leaves out the triggers of database sys/);
    expect(unread.whyUnseen("MySQL.user", true)).toMatch(/leaves out the triggers of database MySQL/);
  });
});

describe("followedColumnsOf hands the sight to TABLE rules on writes", () => {
  it("as whyTriggersUnseen, and nothing when the catalog has none", () => {
    const catalog = catalogOf(RELATIONS, Date.now(), [], [], { triggers: [], columns: [] });
    const sight = sightOf("GRANT TRIGGER ON `shop`.`orders` TO `app`@`%`");
    const writes = followedColumnsOf({ ...catalog, triggerSight: sight }).ownerWrites;
    expect(writes?.whyTriggersUnseen?.("crm.leads", true)).toMatch(/lacks the TRIGGER privilege/);
    expect(followedColumnsOf(catalog).ownerWrites?.whyTriggersUnseen).toBeUndefined();
  });
});
