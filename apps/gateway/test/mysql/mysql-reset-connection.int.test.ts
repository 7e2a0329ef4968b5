import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MariaDbServer, startOwnMariaDb } from "../../../../test/mariadb-server";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * A server whose global sql_mode lexes differently from the pinned modes: at login, and after
 * COM_RESET_CONNECTION (mysql2's `connection.reset()`), which puts sql_mode back to the global
 * default, the gateway pins the lexing modes before the client's first statement or OK. Unpinned,
 * `"x"` would name a column instead of being a string, and the gateway would read statements
 * differently from the server. The global mode is this file's own MariaDB's from its start: a
 * global change on the shared server would reach every other test file's sessions.
 */
const GLOBAL_MODE = "ANSI_QUOTES,NO_BACKSLASH_ESCAPES,STRICT_TRANS_TABLES";

let server: MariaDbServer;
let harness: MySqlHarness;
beforeAll(async () => {
  server = await startOwnMariaDb({ sqlMode: GLOBAL_MODE });
  harness = await startMySqlHarness(
    {
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
    },
    {
      server: {
        host: server.host,
        port: server.port,
        user: server.adminUser,
        password: server.adminPassword,
      },
    },
  );
});
afterAll(async () => {
  await harness?.stop();
  await server?.stop();
});

describe("a server whose global sql_mode has ANSI_QUOTES and NO_BACKSLASH_ESCAPES", () => {
  it("reads them directly: the hazard the pinning removes", async () => {
    const direct = await harness.connectDirect();
    try {
      const [[row]] = (await direct.query("SELECT @@SESSION.sql_mode AS mode")) as unknown as [
        [{ mode: string }],
      ];
      expect(row.mode.split(",")).toEqual(expect.arrayContaining(GLOBAL_MODE.split(",")));
      // Directly, "email" names the column.
      const [named] = await direct.query(`SELECT "email" AS e FROM employees WHERE id = 1`);
      expect(named).toEqual([{ e: "ada@example.com" }]);
    } finally {
      await direct.end();
    }
  });

  it("is pinned at login: the lexing modes stripped, utf8mb4 the client set", async () => {
    const agent = await harness.connectAgent();
    try {
      const [[row]] = (await agent.query(
        "SELECT @@SESSION.sql_mode AS mode, @@character_set_client AS cs",
      )) as unknown as [[{ mode: string; cs: string }]];
      expect(row).toEqual({ mode: "STRICT_TRANS_TABLES", cs: "utf8mb4" });
    } finally {
      await agent.end();
    }
  });
});

describe("COM_RESET_CONNECTION through Sluice", () => {
  it("resets the session, pins sql_mode and utf8mb4 again, and masking still applies", async () => {
    const agent = await harness.connectAgent();
    try {
      await agent.query("SET @before = 1");
      await agent.reset();
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
