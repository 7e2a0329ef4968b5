import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type BypassStage, startBypassStage } from "./support/bypass-stage";
import type { RawClient } from "./support/raw-client";
import { type Outcome, queryBytes, readOutcome } from "./support/raw-outcome";

/**
 * Bypass corpus, class "one reading" (found in the second round of held-back variants): a view over
 * pg_settings. `UPDATE pg_settings` is SET by another name and refused, but a view the agent creates
 * over it is written through to pg_settings' rule, which calls set_config. The gateway judged the
 * view by its name, so `UPDATE v SET setting = 'off' WHERE name = 'standard_conforming_strings'`
 * ran, and a Query pipelined behind it was already at the server, read with backslashes escaping
 * quotes: a harmless SELECT to the gateway, an unscoped DELETE to the server. Now a write to any
 * relation whose writes reach pg_settings (read from the catalog) is judged as a write to it.
 */
/** Views the database's owner made (the catalog shows them): writing one is writing pg_settings. */
const OWNER_VIEWS: { name: string; views: string; write: string }[] = [
  {
    name: "a view over pg_settings",
    views: "CREATE VIEW public.sv AS SELECT * FROM pg_settings",
    write: "UPDATE sv SET setting = 'off' WHERE name = 'standard_conforming_strings'",
  },
  {
    name: "a view over a view over pg_catalog.pg_settings",
    views: `CREATE VIEW public.sv1 AS SELECT name, setting FROM pg_catalog.pg_settings;
      CREATE VIEW public.sv2 AS SELECT * FROM sv1 WHERE name LIKE 'standard%'`,
    write: "UPDATE public.sv2 SET setting = 'off' WHERE name = 'standard_conforming_strings'",
  },
];

let stage: BypassStage;
let admin: pg.Client;
const VICTIMS = 3;
/** standard_conforming_strings on: a literal and a dollar-quoted literal. Off: a literal, then a DELETE. */
const SMUGGLED = Buffer.from("SELECT 'a\\' , $$' ; DELETE FROM victims; -- $$");

beforeAll(async () => {
  stage = await startBypassStage({
    // The owner's views exist before the gateway first reads the catalog: one made later by another
    // connection is seen within the catalog's 5 s (docs/policy.md, Freshness), a residual of its own.
    schema: (role) => `CREATE TABLE victims (id int PRIMARY KEY, note text);
      ${OWNER_VIEWS.map((view) => view.views).join(";\n")};
      CREATE VIEW public.rv AS SELECT * FROM pg_settings;
      GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};`,
    guardrails: [{ name: "scoped-deletes", kind: "MISSING_WHERE", match: { kinds: ["DELETE"] } }],
  });
  admin = stage.admin;
});
afterAll(() => stage?.stop());
beforeEach(async () => {
  await admin.query("TRUNCATE victims; INSERT INTO victims VALUES (1, 'a'), (2, 'b'), (3, 'c')");
});

const victimsLeft = async (): Promise<number> =>
  (await admin.query("SELECT count(*)::int AS n FROM victims")).rows[0].n;

async function runEach(client: RawClient, steps: readonly string[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const step of steps) {
    client.write(queryBytes(Buffer.from(step)));
    outcomes.push(await readOutcome(client));
  }
  return outcomes;
}

/** The write with the smuggled Query pipelined behind it, after the setup one Query at a time. */
async function attack(client: RawClient, setup: readonly string[], write: string): Promise<Outcome[]> {
  await runEach(client, setup);
  client.write(Buffer.concat([queryBytes(Buffer.from(write)), queryBytes(SMUGGLED)]));
  const outcomes: Outcome[] = [];
  for (let i = 0; i < 2; i++) {
    const outcome = await readOutcome(client);
    outcomes.push(outcome);
    if (outcome.isClosed) break;
  }
  client.close();
  return outcomes;
}

/** Views the agent makes: refused as they are made, so no later statement can write through one. */
const AGENT_VIEWS: { name: string; setup: string[]; write: string }[] = [
  {
    name: "a temporary view, then its write",
    setup: ["CREATE TEMP VIEW tv AS SELECT * FROM pg_settings", "SELECT 1"],
    write: "UPDATE tv SET setting = 'off' WHERE name = 'standard_conforming_strings'",
  },
  {
    name: "a view and its write in one message, before any catalog read could show the view",
    setup: [],
    write:
      "CREATE TEMP VIEW tv2 AS SELECT name, setting FROM pg_catalog.pg_settings; UPDATE tv2 SET setting = 'off' WHERE name = 'standard_conforming_strings'",
  },
];

describe("bypass corpus: one reading, settings written through a view", () => {
  for (const { name, write } of OWNER_VIEWS) {
    it(`[one-reading] ${name}: the write is refused and the smuggled DELETE never runs`, async () => {
      await attack(await stage.direct(), [], write);
      expect(await victimsLeft()).toBe(0);
      await admin.query("INSERT INTO victims VALUES (1, 'a'), (2, 'b'), (3, 'c')");

      const [written, smuggled] = await attack(await stage.viaGateway(), ["SELECT 1 FROM victims"], write);
      expect(written?.error).toMatchObject({ code: "42501" });
      expect(written?.error?.message).toContain('"sluice:privilege-change"');
      expect(smuggled?.error ?? null).toBeNull();
      expect(await victimsLeft()).toBe(VICTIMS);
    });
  }

  for (const { name, setup, write } of AGENT_VIEWS) {
    it(`[one-reading] ${name}: the view is refused and the smuggled DELETE never runs`, async () => {
      await attack(await stage.direct(), setup, write);
      expect(await victimsLeft()).toBe(0);
      await admin.query("INSERT INTO victims VALUES (1, 'a'), (2, 'b'), (3, 'c')");

      const client = await stage.viaGateway();
      const [made] = setup.length > 0 ? await runEach(client, setup.slice(0, 1)) : [];
      const [written, smuggled] = await attack(client, setup.slice(1), write);
      const refusal = (made ?? written)?.error;
      expect(refusal).toMatchObject({ code: "42501" });
      expect(refusal?.message).toContain('"sluice:privilege-change"');
      expect(written?.error).not.toBeNull();
      expect(smuggled?.error ?? null).toBeNull();
      expect(await victimsLeft()).toBe(VICTIMS);
    });
  }

  it("a view over pg_settings cannot set role either", async () => {
    const client = await stage.viaGateway();
    const [, update, who] = await runEach(client, [
      "SELECT 1 FROM victims",
      "UPDATE rv SET setting = 'pg_read_all_data' WHERE name = 'role'",
      "SELECT current_user = session_user AS same",
    ]);
    client.close();
    expect(update?.error?.message).toContain('"sluice:privilege-change"');
    expect(who?.rows).toEqual([["t"]]);
  });
});
