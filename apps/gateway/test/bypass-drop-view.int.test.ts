import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, changesDirectly, startBypassStage } from "./support/bypass-stage";

/**
 * DROP VIEW of a view over a table a TABLE rule on writes covers. Writes are followed through views
 * into the tables under them, and a DROP counted as such a write, so dropping the agent's own view
 * was refused. A view's drop changes no row of what it reads, and without CASCADE the server
 * refuses it when anything depends on the view, so it is no longer followed; with CASCADE it can
 * take another table's rule with it (shown on the server), and stays refused. Dropping a table is
 * still followed into its family: a partition's drop takes its rows out of the covered parent.
 */
const SCHEMA = (role: string) => `
  CREATE TABLE events (id int PRIMARY KEY, note text);
  INSERT INTO events VALUES (1, 'first');
  CREATE TABLE parts (id int) PARTITION BY RANGE (id);
  CREATE TABLE parts_low PARTITION OF parts FOR VALUES FROM (0) TO (100);
  INSERT INTO parts VALUES (1);
  CREATE VIEW ev_plain AS SELECT id, note FROM events;
  CREATE VIEW ev_in_tx AS SELECT id, note FROM events;
  CREATE VIEW ev_guarded AS SELECT id FROM events WHERE note = 'locked';
  -- events' own rule reads the view: the view cannot go without it.
  CREATE RULE events_locked AS ON UPDATE TO events WHERE OLD.id IN (SELECT id FROM ev_guarded) DO INSTEAD NOTHING;
  ALTER VIEW ev_plain OWNER TO ${role};
  ALTER VIEW ev_in_tx OWNER TO ${role};
  ALTER VIEW ev_guarded OWNER TO ${role};
  ALTER TABLE parts_low OWNER TO ${role};
  GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};`;

let stage: BypassStage;
let agent: pg.Client;

const outcome = (sql: string) =>
  agent.query(sql).then(
    () => "done",
    (error: Error & { code?: string }) => ({ code: error.code, message: error.message }),
  );
const exists = async (name: string) =>
  (await stage.admin.query("SELECT to_regclass($1) IS NOT NULL AS found", [name])).rows[0].found as boolean;
const EVENTS_RULES = "SELECT rulename FROM pg_rules WHERE tablename = 'events'";

beforeAll(async () => {
  stage = await startBypassStage({
    schema: SCHEMA,
    guardrails: [
      {
        name: "events read-only",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["public.events", "public.parts"], access: "write" },
      },
    ],
  });
  agent = new pg.Client({ connectionString: stage.harness.url });
  await agent.connect();
});
afterAll(async () => {
  await agent?.end();
  await stage?.stop();
});

describe("DROP VIEW of the agent's view over a covered table", () => {
  it("is allowed, and the covered table keeps its rows", async () => {
    expect(await outcome("DROP VIEW ev_plain")).toBe("done");
    expect(await exists("public.ev_plain")).toBe(false);
    expect((await stage.admin.query("SELECT count(*)::int AS n FROM events")).rows).toEqual([{ n: 1 }]);
  });

  it("is allowed in a transaction", async () => {
    await agent.query("BEGIN");
    try {
      expect(await outcome("DROP VIEW IF EXISTS ev_in_tx")).toBe("done");
    } finally {
      await agent.query("ROLLBACK");
    }
    expect(await exists("public.ev_in_tx")).toBe(true);
  });

  it("is passed on without CASCADE, and the server refuses it while another table's rule reads it", async () => {
    expect(await outcome("DROP VIEW ev_guarded")).toMatchObject({ code: "2BP01" });
    expect((await stage.admin.query(EVENTS_RULES)).rows).toEqual([{ rulename: "events_locked" }]);
  });

  it("is refused with CASCADE, which drops the covered table's rule on the server", async () => {
    expect(await changesDirectly(stage, EVENTS_RULES, "DROP VIEW ev_guarded CASCADE")).toBe(true);
    expect(await outcome("DROP VIEW ev_guarded CASCADE")).toMatchObject({
      message: expect.stringMatching(/"events read-only"/),
    });
    expect((await stage.admin.query(EVENTS_RULES)).rows).toEqual([{ rulename: "events_locked" }]);
  });
});

describe("DROP TABLE of a covered table's partition", () => {
  it("is still refused: its rows leave the covered table", async () => {
    expect(await changesDirectly(stage, "SELECT count(*) FROM parts", "DROP TABLE parts_low")).toBe(true);
    expect(await outcome("DROP TABLE parts_low")).toMatchObject({
      message: expect.stringMatching(/"events read-only"/),
    });
    expect(await exists("public.parts_low")).toBe(true);
  });
});
