import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, startBypassStage } from "./support/bypass-stage";

/**
 * Bypass corpus: a relation the catalog holds, changed by this session's own DDL in a transaction
 * still open. The catalog is read from another connection, which sees the committed relation: a
 * plain table. Sluice refused a write to a relation the catalog did not hold at all, but one it
 * held passed as the plain table it had been, while the server wrote through what the transaction
 * made of it into the read-only table:
 *   - a temporary view of the same name, which the server finds first (pg_temp leads the path);
 *   - a view of the same name in a schema ahead on the path;
 *   - the agent's own table dropped and made a view of the same name;
 *   - the agent's own table made a child of the covered one (its rows are the parent's rows);
 *   - a view made by CREATE SCHEMA's elements in a schema ahead on the path;
 *   - the schema of a view of the same name renamed to one put ahead on the path;
 *   - all of it in one message, or under a statement prepared before the DDL.
 * Each write is now refused until the DDL is committed and the catalog read again.
 */
const SCHEMA = (role: string) => `
  CREATE TABLE events (id int);
  CREATE TABLE scratch (id int);
  ALTER TABLE events OWNER TO ${role};
  GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};
  GRANT CREATE ON SCHEMA public TO ${role};
  DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO ${role}', current_database()); END $$;`;

const READ_ONLY = /"events read-only"|not yet committed/;

let stage: BypassStage;
let agent: pg.Client;
let direct: pg.Client;

/** The rows of the (last) statement, or the error. */
const outcome = (client: pg.Client, sql: string | pg.QueryConfig) =>
  client.query(sql).then(
    (result: pg.QueryResult | pg.QueryResult[]) =>
      Array.isArray(result) ? result.at(-1)?.rows : result.rows,
    (error: Error) => ({ message: error.message }),
  );

const eventIds = async () => (await stage.admin.query("SELECT id FROM events ORDER BY id")).rows;

/**
 * Runs `steps` in a transaction on `client`, rolled back: what the last one answered (or the first
 * error), and what events then holds as the transaction sees it (the owner's connection cannot).
 */
async function inTransaction(client: pg.Client, steps: Array<string | pg.QueryConfig>) {
  await client.query("BEGIN");
  try {
    const answers: unknown[] = [];
    for (const step of steps) {
      const last = await outcome(client, step);
      answers.push(last);
      if (last && typeof last === "object" && "message" in last) return { last, answers, seen: null };
    }
    const seen = await outcome(client, "SELECT id FROM public.events");
    return { last: answers.at(-1), answers, seen };
  } finally {
    await client.query("ROLLBACK");
  }
}

beforeAll(async () => {
  stage = await startBypassStage({
    schema: SCHEMA,
    guardrails: [
      {
        name: "events read-only",
        kind: "TABLE",
        effect: "DENY",
        match: { tables: ["public.events"], access: "write" },
      },
    ],
  });
  agent = new pg.Client({ connectionString: stage.harness.url });
  await agent.connect();
  direct = new pg.Client({ connectionString: stage.harness.directUrl });
  await direct.connect();
  // The agent's own committed table, which it may drop or alter, and its own committed view of the
  // same name over the covered table in a schema of its own, off the path.
  expect(await outcome(agent, "CREATE TABLE mine (id int)")).toEqual([]);
  expect(await outcome(agent, "CREATE SCHEMA side")).toEqual([]);
  expect(await outcome(agent, "CREATE VIEW side.mine AS SELECT id FROM public.events")).toEqual([]);
});
afterAll(async () => {
  await direct?.end();
  await agent?.end();
  await stage?.stop();
});

const ATTACKS: Array<{ name: string; steps: string[] }> = [
  {
    name: "a temporary view shadowing a committed table",
    steps: ["CREATE TEMP VIEW scratch AS SELECT id FROM events", "INSERT INTO scratch VALUES (9)"],
  },
  {
    name: "a view in a schema ahead on the path",
    steps: [
      "CREATE SCHEMA ahead",
      "SET LOCAL search_path = ahead, public",
      "CREATE VIEW ahead.scratch AS SELECT id FROM public.events",
      "INSERT INTO scratch VALUES (9)",
    ],
  },
  {
    name: "the agent's own table dropped and made a view of the same name",
    steps: ["DROP TABLE mine", "CREATE VIEW mine AS SELECT id FROM events", "INSERT INTO mine VALUES (9)"],
  },
  {
    name: "the agent's own table made a child of the covered one",
    steps: ["ALTER TABLE mine INHERIT events", "INSERT INTO mine VALUES (9)"],
  },
  {
    name: "a view made in a schema ahead on the path by CREATE SCHEMA's own elements",
    steps: [
      "SET LOCAL search_path = early, public",
      "CREATE SCHEMA early CREATE VIEW scratch AS SELECT id FROM public.events",
      "INSERT INTO scratch VALUES (9)",
    ],
  },
  {
    name: "the schema of a view over the covered one renamed to one put ahead on the path",
    steps: [
      "ALTER SCHEMA side RENAME TO side_renamed",
      "SET LOCAL search_path = side_renamed, public",
      "INSERT INTO mine VALUES (9)",
    ],
  },
  {
    name: "all in one message",
    steps: ["DROP TABLE mine; CREATE VIEW mine AS SELECT id FROM events; INSERT INTO mine VALUES (9)"],
  },
];

describe("a write to a committed relation this transaction changed", () => {
  for (const attack of ATTACKS) {
    it(`reaches the covered table straight against the server: ${attack.name}`, async () => {
      const { last, seen } = await inTransaction(direct, attack.steps);
      expect(last).toEqual([]);
      expect(seen).toEqual([{ id: 9 }]);
    });
    it(`is refused through Sluice: ${attack.name}`, async () => {
      const { last } = await inTransaction(agent, attack.steps);
      expect(last).toMatchObject({ message: expect.stringMatching(READ_ONLY) });
      expect(await eventIds()).toEqual([]);
    });
  }

  // A statement prepared while `mine` was a table is planned again by the server onto the view
  // that replaced it; its Bind is judged again after anything else ran.
  it("is refused at the Bind of a statement prepared before the DDL", async () => {
    const insert = { name: "insert_mine", text: "INSERT INTO mine VALUES ($1)" };
    const directRun = await inTransaction(direct, [
      { ...insert, values: [1] },
      "DROP TABLE mine",
      "CREATE VIEW mine AS SELECT id FROM events",
      { ...insert, values: [9] },
    ]);
    expect(directRun.seen).toEqual([{ id: 9 }]);
    const viaGateway = await inTransaction(agent, [
      { ...insert, values: [1] },
      "DROP TABLE mine",
      "CREATE VIEW mine AS SELECT id FROM events",
      { ...insert, values: [9] },
    ]);
    expect(viaGateway.answers.slice(0, 3)).toEqual([[], [], []]);
    expect(viaGateway.last).toMatchObject({ message: expect.stringMatching(READ_ONLY) });
  });

  it("still allows writes to relations the transaction's DDL only read", async () => {
    const { last } = await inTransaction(agent, [
      "CREATE TEMP TABLE backup AS SELECT * FROM scratch",
      "INSERT INTO scratch VALUES (1) RETURNING id",
    ]);
    expect(last).toEqual([{ id: 1 }]);
  });

  // A client that runs everything in transactions (psycopg's default) never sends a statement
  // outside one: the BEGIN after the COMMIT has the catalog read again.
  it("judges a write in the next transaction by the catalog once the DDL is committed", async () => {
    await agent.query("BEGIN");
    expect(await outcome(agent, "CREATE TABLE committed_t (id int)")).toEqual([]);
    await agent.query("COMMIT");
    const { last } = await inTransaction(agent, ["INSERT INTO committed_t VALUES (1) RETURNING id"]);
    expect(last).toEqual([{ id: 1 }]);
  });

  it("judges the write by the catalog again once the DDL is committed", async () => {
    expect(await outcome(agent, "CREATE TEMP VIEW committed_v AS SELECT id FROM events")).toEqual([]);
    expect(await outcome(agent, "INSERT INTO committed_v VALUES (9)")).toMatchObject({
      message: expect.stringMatching(/"events read-only"/),
    });
    expect(await outcome(agent, "INSERT INTO mine VALUES (1) RETURNING id")).toEqual([{ id: 1 }]);
  });
});
