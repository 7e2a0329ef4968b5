import { describe, expect, it } from "vitest";
import { readTriggerGrants } from "../src/trigger-grants";

/**
 * SHOW GRANTS lines as MySQL 8 and MariaDB print them, read for where the login holds TRIGGER:
 * anything not understood grants nothing, and a REVOKE not understood makes the reading unknown.
 */
const NONE = { isGlobal: false, schemas: [], tables: [], revokedSchemas: [] };

describe("readTriggerGrants", () => {
  it("reads TRIGGER, or ALL, at each level", () => {
    expect(
      readTriggerGrants([
        "GRANT USAGE ON *.* TO `app`@`%`",
        "GRANT SELECT, INSERT, TRIGGER ON `shop`.`orders` TO `app`@`%`",
        "GRANT ALL PRIVILEGES ON `crm`.* TO `app`@`%` WITH GRANT OPTION",
        "GRANT ALL ON TABLE `crm`.`leads` TO `app`@`%`",
      ]),
    ).toEqual({
      isGlobal: false,
      schemas: [{ name: "crm", hasTrigger: true }],
      tables: [
        { schema: "shop", table: "orders" },
        { schema: "crm", table: "leads" },
      ],
      revokedSchemas: [],
    });
    // MySQL 8 prints the global privileges one by one, with dynamic ones on a line of their own.
    expect(
      readTriggerGrants([
        "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, EVENT, TRIGGER, CREATE TABLESPACE ON *.* TO `root`@`localhost`",
        "GRANT BACKUP_ADMIN,BINLOG_ADMIN ON *.* TO `root`@`localhost`",
      ]),
    ).toEqual({ ...NONE, isGlobal: true });
  });

  it("does not count other privileges, column lists, roles, routines or proxies", () => {
    // A database-level line without TRIGGER is kept as such: it may be the row the server matches first.
    expect(readTriggerGrants(["GRANT SELECT, INSERT, UPDATE ON `shop`.* TO `app`@`%`"])).toEqual({
      ...NONE,
      schemas: [{ name: "shop", hasTrigger: false }],
    });
    expect(
      readTriggerGrants([
        "GRANT SELECT (`id`, `trigger`), UPDATE (`total`) ON `shop`.`orders` TO `app`@`%`",
        "GRANT `writer`@`%`,`auditor`@`%` TO `app`@`%`",
        "GRANT `trigger_role` TO `app`@`%`",
        "GRANT EXECUTE ON PROCEDURE `shop`.`purge` TO `app`@`%`",
        "GRANT PROXY ON ''@'' TO 'root'@'localhost' WITH GRANT OPTION",
        "SET DEFAULT ROLE `writer` FOR `app`@`%`",
        "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9'",
      ]),
    ).toEqual(NONE);
  });

  it("reads quoted names as the server quotes them: doubled quotes, ANSI_QUOTES, dots inside", () => {
    expect(
      readTriggerGrants([
        'GRANT TRIGGER ON "sh""op".* TO "app"@"%"',
        "GRANT TRIGGER ON `a.b`.`c``d` TO `app`@`%`",
        "GRANT TRIGGER ON plain.orders TO app@'%'",
      ]),
    ).toEqual({
      ...NONE,
      schemas: [{ name: 'sh"op', hasTrigger: true }],
      tables: [
        { schema: "a.b", table: "c`d" },
        { schema: "plain", table: "orders" },
      ],
    });
  });

  it("keeps partial revokes, and gives up on a REVOKE it cannot read", () => {
    expect(
      readTriggerGrants([
        "GRANT SELECT, TRIGGER ON *.* TO `app`@`%`",
        "REVOKE TRIGGER ON `shop`.* FROM `app`@`%`",
        "REVOKE INSERT ON `mysql`.* FROM `app`@`%`",
      ]),
    ).toEqual({ ...NONE, isGlobal: true, revokedSchemas: ["shop"] });
    const unknown = readTriggerGrants([
      "GRANT TRIGGER ON *.* TO `app`@`%`",
      "REVOKE TRIGGER ON `shop`.`orders` FROM `app`@`%`",
    ]);
    expect(unknown).toEqual({ unknownBecause: expect.stringMatching(/REVOKE Sluice cannot read/) });
    expect(readTriggerGrants(["REVOKE `r` FROM `app`@`%`"])).toHaveProperty("unknownBecause");
  });
});
