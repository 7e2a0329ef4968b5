import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MariaDbServer, startOwnMariaDb } from "../../../../test/mariadb-server";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * A server whose global sql_mode has HIGH_NOT_PRECEDENCE, which binds NOT as tightly as `!`:
 * `NOT id <> 1` is `(NOT id) <> 1` there, true for every row with a non-zero id, where Sluice's
 * grammar (and the server's default) reads `NOT (id <> 1)`, one row, and counts it as scoped. The
 * gateway strips the flag at login with the lexing modes, so the server reads NOT as Sluice does.
 * The global mode is this file's own MariaDB's: a global change on the shared server would reach
 * every other test file's sessions.
 */
let server: MariaDbServer;
let harness: MySqlHarness;
const SQL = "DELETE FROM departments WHERE NOT id <> 1";

beforeAll(async () => {
  server = await startOwnMariaDb({ sqlMode: "HIGH_NOT_PRECEDENCE,STRICT_TRANS_TABLES" });
  harness = await startMySqlHarness(
    {
      guardrails: [
        {
          name: "no-unscoped",
          kind: "MISSING_WHERE",
          effect: "DENY",
          match: { kinds: ["UPDATE", "DELETE"] },
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

const names = async () => {
  const [rows] = await harness.asAdmin("SELECT group_concat(name ORDER BY id) AS x FROM departments");
  return (rows as { x: string | null }[])[0]?.x ?? null;
};
const reset = () =>
  harness.asAdmin(
    "DELETE FROM departments; INSERT INTO departments VALUES (1, 'eng'), (2, 'ops'), (3, 'qa')",
  );

describe("MISSING_WHERE on a server whose NOT binds tighter than comparisons", () => {
  it("directly, NOT id <> 1 deletes every row: the hazard", async () => {
    await reset();
    const direct = await harness.connectDirect();
    try {
      await direct.query(SQL);
    } finally {
      await direct.end();
    }
    expect(await names()).toBeNull();
  });

  it("through Sluice the session reads NOT as the grammar does: one row goes", async () => {
    await reset();
    const agent = await harness.connectAgent();
    try {
      const [[row]] = (await agent.query("SELECT @@SESSION.sql_mode AS mode")) as unknown as [
        [{ mode: string }],
      ];
      expect(row.mode.split(",")).not.toContain("HIGH_NOT_PRECEDENCE");
      await agent.query(SQL);
    } finally {
      await agent.end();
    }
    expect(await names()).toBe("ops,qa");
  });
});
