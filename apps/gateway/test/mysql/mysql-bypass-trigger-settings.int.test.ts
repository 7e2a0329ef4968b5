import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

/**
 * Bypass corpus, MySQL (one reading): a session setting moved by code the gateway does not run.
 * A trigger's one-statement body `SET NEW.a = 1, character_set_results = 'utf16'` sets a system
 * variable of the session whose write fires it. MariaDB restores sql_mode and the client character
 * set after a trigger runs, but keeps character_set_results: every later row then reaches the
 * gateway in UTF-16, where the content detectors find no SSN, and the agent's plain
 * `SELECT body FROM tickets` came back in clear. Each variant is shown to run directly first (the
 * setting sticks); through Sluice the CREATE TRIGGER is refused, no trigger exists, and the
 * detector still masks the row.
 */
const SSN = "123-45-6789";
const MASKED = /^ssn \[REDACTED\]$/;

let harness: MySqlHarness;
let agent: Connection;

beforeAll(async () => {
  harness = await startMySqlHarness({
    masking: [
      {
        name: "ssns",
        selector: null,
        detector: "us_ssn",
        strategy: "REDACT",
        keepLast: null,
        exemptGroups: [],
      },
    ],
  });
  await harness.asAdmin(`
    CREATE TABLE tickets (id INT PRIMARY KEY, body TEXT);
    INSERT INTO tickets VALUES (1, 'ssn ${SSN}');
    CREATE TABLE scratch (id INT, a INT);`);
  agent = await harness.connectAgent();
});
afterAll(async () => {
  await agent?.end();
  await harness?.stop();
});

const refusal = (sql: string) =>
  agent.query(sql).then(
    () => null,
    (error: { errno?: number; message: string }) => error,
  );

/** The triggers the server holds on scratch, as its admin sees them. */
async function triggersOnScratch(): Promise<string[]> {
  const direct = await harness.connectDirect();
  try {
    const [rows] = await direct.query(
      "SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_TABLE = 'scratch' AND TRIGGER_SCHEMA = DATABASE()",
    );
    return (rows as Array<{ name: string }>).map((row) => row.name);
  } finally {
    await direct.end();
  }
}

async function agentBody(): Promise<string> {
  const [rows] = await agent.query("SELECT body FROM tickets WHERE id = 1");
  return String((rows as Array<{ body: unknown }>)[0]?.body);
}

describe("a trigger body that sets a pinned session variable", () => {
  it("directly, the setting outlives the trigger and the row comes back in UTF-16", async () => {
    const direct = await harness.connectDirect();
    try {
      await direct.query(
        "CREATE TRIGGER results_direct BEFORE INSERT ON scratch FOR EACH ROW SET NEW.a = 1, character_set_results = 'utf16'",
      );
      await direct.query("INSERT INTO scratch VALUES (1, 0)");
      const [rows] = await direct.query("SELECT @@character_set_results AS results");
      expect(rows).toEqual([{ results: "utf16" }]);
      const [tickets] = await direct.query("SELECT body FROM tickets WHERE id = 1");
      expect(tickets).toEqual([{ body: `ssn ${SSN}` }]);
    } finally {
      await direct.query("DROP TRIGGER IF EXISTS results_direct");
      await direct.end();
    }
  });

  it.each([
    "CREATE TRIGGER t1 BEFORE INSERT ON scratch FOR EACH ROW SET NEW.a = 1, character_set_results = 'utf16'",
    "CREATE TRIGGER t2 BEFORE INSERT ON scratch FOR EACH ROW SET character_set_results = 'utf16'",
    "CREATE TRIGGER t3 BEFORE INSERT ON scratch FOR EACH ROW SET NEW.a = 1, CHARACTER_SET_RESULTS = 'ucs2'",
    "CREATE TRIGGER t4 BEFORE INSERT ON scratch FOR EACH ROW SET NEW.a = 1, `character_set_results` = 'utf32'",
    "CREATE TRIGGER t5 BEFORE INSERT ON scratch FOR EACH ROW SET NEW.a = 1, character_set_results = NULL",
    "CREATE DEFINER = CURRENT_USER TRIGGER t6 BEFORE INSERT ON scratch FOR EACH ROW SET character_set_results = 'utf16'",
    "CREATE TRIGGER t7 AFTER UPDATE ON scratch FOR EACH ROW SET character_set_results = 'utf16'",
    "CREATE TRIGGER t8 BEFORE INSERT ON scratch FOR EACH ROW SET NEW.a = (SELECT 1), sql_mode = 'ANSI_QUOTES'",
    "CREATE TRIGGER t9 BEFORE INSERT ON scratch FOR EACH ROW SET NEW.a = 1, character_set_client = 'gbk'",
    "CREATE TRIGGER t10 BEFORE INSERT ON scratch FOR EACH ROW SET NEW.a = 1, collation_connection = 'gbk_chinese_ci'",
  ])("refuses %s, and the row stays masked", async (sql) => {
    const refused = await refusal(sql);
    expect(refused?.errno).toBe(1227);
    expect(refused?.message).toMatch(/is pinned by Sluice/);
    expect(await triggersOnScratch()).toEqual([]);
    await agent.query("INSERT INTO scratch VALUES (2, 0)");
    await agent.query("UPDATE scratch SET a = 3 WHERE id = 2");
    expect(await agentBody()).toMatch(MASKED);
  });
});

describe("a trigger body that sets the written row only", () => {
  it("is created and runs", async () => {
    await agent.query("CREATE TRIGGER doubles BEFORE INSERT ON scratch FOR EACH ROW SET NEW.a = NEW.id * 2");
    try {
      await agent.query("INSERT INTO scratch VALUES (21, 0)");
      const [rows] = await agent.query("SELECT a FROM scratch WHERE id = 21");
      expect(rows).toEqual([{ a: 42 }]);
      expect(await agentBody()).toMatch(MASKED);
    } finally {
      await harness.asAdmin("DROP TRIGGER IF EXISTS doubles");
    }
  });
});
