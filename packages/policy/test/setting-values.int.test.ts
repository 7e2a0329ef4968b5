import { normalizeSettingValue } from "@sluice/policy/setting-values";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/support";
import { BOOL_SETTINGS, ENUM_SETTINGS } from "../src/generated/setting-value-kinds";

/**
 * The value comparison of ALLOW SETTING rules against the server the tests run: the committed
 * lists of boolean and enum settings are its pg_settings', and two spellings are one value to
 * Sluice exactly when the server makes them one value (SET each, read current_setting back).
 */

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let client: pg.Client;
beforeAll(async () => {
  database = await createTestDatabase("settingvalues");
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await database?.drop();
});

/** What the server keeps after SET name = value (null when it refuses the value). */
async function serverValue(name: string, value: string): Promise<string | null> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT set_config($1, $2, true)", [name, value]);
    const { rows } = await client.query<{ value: string }>("SELECT current_setting($1) AS value", [name]);
    return rows[0]?.value ?? null;
  } catch {
    return null;
  } finally {
    await client.query("ROLLBACK");
  }
}

/** Spellings an agent or an admin might use, per setting: every pair is compared. */
const SPELLINGS: Record<string, string[]> = {
  client_min_messages: ["warning", "WARNING", "Warning", "notice", "NOTICE", "debug1"],
  default_transaction_isolation: ["serializable", "SERIALIZABLE", "read committed", "Read Committed"],
  synchronous_commit: ["on", "ON", "true", "yes", "1", "off", "FALSE", "0", "local", "LOCAL"],
  jit: ["on", "ON", "true", "TRUE", "t", "yes", "y", "1", "off", "OFF", "of", "false", "f", "no", "0"],
  datestyle: ["ISO, MDY", "iso, mdy", "ISO,MDY", "iso,mdy", "SQL, DMY", "sql, dmy"],
  search_path: ["app, public", "App, public", "app,public"],
  application_name: ["agent", "Agent", "AGENT"],
};

describe("setting values against the real server", () => {
  it("lists exactly the server's boolean and enum settings", async () => {
    const { rows } = await client.query<{ name: string; vartype: string }>(
      "SELECT lower(name) AS name, vartype FROM pg_settings WHERE vartype IN ('bool', 'enum') ORDER BY 1",
    );
    const byType = (type: string) => rows.filter((row) => row.vartype === type).map((row) => row.name);
    expect(byType("bool").length).toBeGreaterThan(100);
    // On a mismatch, the expected list is what to paste into src/generated/setting-value-kinds.ts.
    expect([...BOOL_SETTINGS]).toEqual(byType("bool"));
    expect([...ENUM_SETTINGS]).toEqual(byType("enum"));
  });

  it("makes two spellings one value exactly when the server does", async () => {
    const disagreements: string[] = [];
    for (const [name, spellings] of Object.entries(SPELLINGS)) {
      // One at a time: each SET lives in a transaction of its own on the one client.
      const kept: Array<string | null> = [];
      for (const value of spellings) kept.push(await serverValue(name, value));
      expect(kept, name).not.toContain(null);
      spellings.forEach((a, i) => {
        spellings.forEach((b, j) => {
          const isServerSame = kept[i] === kept[j];
          const isSluiceSame = normalizeSettingValue(name, a) === normalizeSettingValue(name, b);
          if (isServerSame !== isSluiceSame)
            disagreements.push(`${name}: ${a} / ${b} (server ${isServerSame})`);
        });
      });
    }
    expect(disagreements).toEqual([]);
  });
});
