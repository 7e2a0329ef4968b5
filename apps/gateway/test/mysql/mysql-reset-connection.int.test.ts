import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * COM_RESET_CONNECTION (mysql2's `connection.reset()`): the server's reset puts sql_mode back to
 * the global default, so the gateway pins the lexing modes again before the client's OK. The test
 * makes the global default carry ANSI_QUOTES for the moment of the reset: unpinned, `"x"` would
 * then name a column instead of being a string, and the gateway would read statements differently
 * from the server.
 */
let harness: MySqlHarness;
beforeAll(async () => {
  harness = await startMySqlHarness({
    masking: [
      {
        name: "mask-ssn",
        selector: "*.employees.ssn",
        detector: null,
        strategy: "REDACT" as const,
        keepLast: null,
        exemptGroups: [],
      },
    ],
  });
});
afterAll(async () => harness?.stop());

describe("COM_RESET_CONNECTION through Sluice", () => {
  it("resets the session, pins sql_mode and utf8mb4 again, and masking still applies", async () => {
    const agent = await harness.connectAgent();
    try {
      await agent.query("SET @before = 1");
      const [[global]] = (await harness.asAdmin("SELECT @@GLOBAL.sql_mode AS mode")) as unknown as [
        [{ mode: string }],
      ];
      await harness.asAdmin("SET GLOBAL sql_mode = CONCAT(@@GLOBAL.sql_mode, ',ANSI_QUOTES')");
      try {
        await agent.reset();
      } finally {
        await harness.asAdmin(`SET GLOBAL sql_mode = '${global.mode}'`);
      }
      const [rows] = await agent.query(
        `SELECT "x" AS quoted, @before AS kept, @@SESSION.sql_mode LIKE '%ANSI_QUOTES%' AS ansi, @@character_set_client AS cs`,
      );
      // The user variable is gone (the server did reset); the modes are the pinned ones.
      expect(rows).toEqual([{ quoted: "x", kept: null, ansi: 0, cs: "utf8mb4" }]);
      const [masked] = await agent.query("SELECT name, ssn FROM employees WHERE id = 1");
      expect(masked).toEqual([{ name: "Ada", ssn: "[REDACTED]" }]);
      const [executed] = await agent.execute("SELECT ssn FROM employees WHERE id = ?", [2]);
      expect(executed).toEqual([{ ssn: "[REDACTED]" }]);
    } finally {
      await agent.end();
    }
  });

  it("forgets prepared statements and rolls back the open transaction, as the server does", async () => {
    const agent = await harness.connectAgent();
    const direct = await harness.connectDirect();
    try {
      const statement = await agent.prepare("SELECT name FROM employees WHERE id = ?");
      await agent.query("BEGIN");
      await agent.query("UPDATE employees SET salary = 999 WHERE id = 1");
      await agent.reset();
      await expect(statement.execute([1])).rejects.toMatchObject({ errno: 1243 });
      const [salary] = await direct.query("SELECT salary FROM employees WHERE id = 1");
      expect(salary).toEqual([{ salary: 100 }]);
      const [after] = await agent.query("SELECT @@in_transaction AS open");
      expect(after).toEqual([{ open: 0 }]);
    } finally {
      await agent.end();
      await direct.end();
    }
  });
});
