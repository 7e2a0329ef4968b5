import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, startBypassStage } from "./support/bypass-stage";

/**
 * Bypass corpus: DDL the server runs inside code the gateway did not judge — a function an admin
 * allowed by name, a trigger on a table the agent may write, a procedure — then a row write through
 * the name that DDL changed, into a table under a TABLE rule on writes. The trackers of this
 * session's relation changes (uncommitted-relations.ts, transaction-tables.ts) read only the
 * statements' own kinds: `SELECT public.make_shadow()` is a SELECT, so a temporary view it made in
 * front of the committed table `scratch` went unnoticed, and `INSERT INTO scratch` passed as a
 * write to that plain table while the server wrote through the view into events. Each attack runs
 * straight against the server first (the oracle: events gets the row), then through Sluice, which
 * now counts any code it did not judge as having changed every bare name.
 */
const SCHEMA = (role: string) => `
  CREATE TABLE events (id int);
  CREATE TABLE scratch (id int);
  CREATE TABLE audit_log (id int);
  CREATE FUNCTION public.make_shadow() RETURNS void LANGUAGE plpgsql
    AS $$ BEGIN EXECUTE 'CREATE TEMP VIEW scratch AS SELECT id FROM public.events'; END $$;
  CREATE FUNCTION public.move_path() RETURNS void LANGUAGE plpgsql AS $$ BEGIN
    EXECUTE 'CREATE SCHEMA ahead';
    EXECUTE 'CREATE VIEW ahead.scratch AS SELECT id FROM public.events';
    PERFORM set_config('search_path', 'ahead, public', true);
  END $$;
  CREATE FUNCTION public.shadow_on_log() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN EXECUTE 'CREATE TEMP VIEW scratch AS SELECT id FROM public.events'; RETURN NEW; END $$;
  CREATE TRIGGER audit_log_shadow AFTER INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION public.shadow_on_log();
  CREATE PROCEDURE public.shadow_proc() LANGUAGE plpgsql
    AS $$ BEGIN EXECUTE 'CREATE TEMP VIEW scratch AS SELECT id FROM public.events'; END $$;
  -- The agent's own table, with a row security policy the owner of the database left disabled.
  CREATE TABLE guarded (id int);
  INSERT INTO guarded VALUES (1);
  CREATE POLICY guarded_shadow ON guarded USING (public.make_shadow() IS NULL);
  ALTER TABLE guarded OWNER TO ${role};
  ALTER TABLE events OWNER TO ${role};
  GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};
  GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ${role};
  GRANT EXECUTE ON ALL PROCEDURES IN SCHEMA public TO ${role};
  DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO ${role}', current_database()); END $$;`;

const READ_ONLY = /"events read-only"|not yet committed|changed/;

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
 * error), and what events then holds as the transaction sees it.
 */
async function inTransaction(client: pg.Client, steps: Array<string | pg.QueryConfig>) {
  await client.query("BEGIN");
  try {
    let last: unknown;
    for (const step of steps) {
      last = await outcome(client, step);
      if (last && typeof last === "object" && "message" in last) return { last, seen: null };
    }
    return { last, seen: await outcome(client, "SELECT id FROM public.events") };
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
      {
        name: "setup functions allowed",
        kind: "FUNCTION",
        effect: "ALLOW",
        match: {
          functions: ["public.make_shadow", "public.move_path", "public.shadow_on_log", "public.shadow_proc"],
        },
      },
    ],
  });
  agent = new pg.Client({ connectionString: stage.harness.url });
  await agent.connect();
  direct = new pg.Client({ connectionString: stage.harness.directUrl });
  await direct.connect();
  // A catalog read first: a session's first statements may come before any snapshot is held.
  expect(await outcome(agent, "SELECT count(*)::int AS n FROM scratch")).toEqual([{ n: 0 }]);
});
afterAll(async () => {
  await direct?.end();
  await agent?.end();
  await stage?.stop();
});

const ATTACKS: Array<{ name: string; steps: string[] }> = [
  {
    name: "a function allowed by name makes a temporary view shadowing a committed table",
    steps: ["SELECT public.make_shadow()", "INSERT INTO scratch VALUES (9)"],
  },
  {
    name: "the same in one message",
    steps: ["SELECT public.make_shadow(); INSERT INTO scratch VALUES (9)"],
  },
  {
    name: "a function allowed by name makes a view in a new schema and puts it ahead on the path",
    steps: ["SELECT public.move_path()", "INSERT INTO scratch VALUES (9)"],
  },
  {
    name: "a trigger on a table the agent may write makes the temporary view",
    steps: ["INSERT INTO audit_log VALUES (1)", "INSERT INTO scratch VALUES (9)"],
  },
  {
    name: "the trigger's write and the shadowed write in one message",
    steps: ["INSERT INTO audit_log VALUES (1); INSERT INTO scratch VALUES (9)"],
  },
  {
    // The view is this transaction's: the catalog cannot show that reading it calls the function.
    name: "a view made in the transaction over the function, then read",
    steps: [
      "CREATE TEMP VIEW runs_it AS SELECT (public.make_shadow() IS NULL) AS done",
      "SELECT count(*) FROM runs_it",
      "INSERT INTO scratch VALUES (9)",
    ],
  },
  {
    // Reading the table runs its policy now; the ALTER names a table whose code may do anything.
    name: "row security this transaction turned on runs the function on a read",
    steps: [
      "ALTER TABLE guarded ENABLE ROW LEVEL SECURITY",
      "ALTER TABLE guarded FORCE ROW LEVEL SECURITY",
      "SELECT count(*)::int AS n FROM guarded",
      "INSERT INTO scratch VALUES (9)",
    ],
  },
  {
    name: "a procedure allowed by name makes the temporary view",
    steps: ["CALL public.shadow_proc()", "INSERT INTO scratch VALUES (9)"],
  },
];

describe("a write through a name that code the gateway did not judge changed", () => {
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

  // The statement is judged at its Parse, when the catalog caught up later cannot undo what its
  // first run was noted as: each Bind runs the function again, and is noted again.
  it("is refused after a later run of a statement prepared before", async () => {
    const shadow = { name: "shadow", text: "SELECT public.make_shadow()" };
    expect(await outcome(agent, "BEGIN")).toEqual([]);
    expect(await outcome(agent, shadow)).toEqual([{ make_shadow: "" }]);
    expect(await outcome(agent, "ROLLBACK")).toEqual([]);
    // A statement outside a transaction has the catalog read first: the session's changes are over.
    expect(await outcome(agent, "INSERT INTO scratch VALUES (1) RETURNING id")).toEqual([{ id: 1 }]);
    const { last } = await inTransaction(agent, [shadow, "INSERT INTO scratch VALUES (9)"]);
    expect(last).toMatchObject({ message: expect.stringMatching(READ_ONLY) });
    expect(await eventIds()).toEqual([]);
    expect(await outcome(agent, "DELETE FROM scratch")).toEqual([]);
  });

  // Outside a transaction the function's view is committed at once, but the catalog the gateway
  // holds was read before it: the write right after must wait for a read that shows the view.
  it("is refused right after the function ran in a transaction of its own", async () => {
    const own = new pg.Client({ connectionString: stage.harness.url });
    await own.connect();
    try {
      expect(await outcome(own, "SELECT count(*)::int AS n FROM scratch")).toEqual([{ n: 0 }]);
      expect(await outcome(own, "SELECT public.make_shadow()")).toEqual([{ make_shadow: "" }]);
      expect(await outcome(own, "INSERT INTO scratch VALUES (9)")).toMatchObject({
        message: expect.stringMatching(READ_ONLY),
      });
      expect(await eventIds()).toEqual([]);
    } finally {
      await own.end();
    }
  });

  it("still writes the plain table once the transaction that ran the code is over", async () => {
    expect(await outcome(agent, "INSERT INTO audit_log VALUES (2)")).toEqual([]);
    // The trigger's view is committed now, and the catalog read again shows it: still refused.
    expect(await outcome(agent, "INSERT INTO scratch VALUES (9)")).toMatchObject({
      message: expect.stringMatching(/"events read-only"/),
    });
    expect(await outcome(agent, "DROP VIEW scratch")).toEqual([]);
    expect(await outcome(agent, "INSERT INTO scratch VALUES (1) RETURNING id")).toEqual([{ id: 1 }]);
    expect(await eventIds()).toEqual([]);
  });
});

// An event trigger the database's owner made runs its function on the agent's DDL: a plain CREATE
// TABLE names only its own table, and its trigger made the view in front of scratch.
describe("a write after DDL an event trigger ran code on", () => {
  const TRIGGER = `
    CREATE FUNCTION public.shadow_on_create() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() WHERE object_identity = 'public.fresh') THEN
        EXECUTE 'CREATE TEMP VIEW scratch AS SELECT id FROM public.events';
      END IF;
    END $$;
    CREATE EVENT TRIGGER shadow_on_create ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
      EXECUTE FUNCTION public.shadow_on_create();`;
  const STEPS = ["CREATE TABLE fresh (id int)", "INSERT INTO scratch VALUES (9)"];

  it("reaches the covered table straight against the server, and is refused through Sluice", async () => {
    await stage.admin.query(TRIGGER);
    try {
      const { last, seen } = await inTransaction(direct, STEPS);
      expect(last).toEqual([]);
      expect(seen).toEqual([{ id: 9 }]);
      // DDL, then a statement outside a transaction: the catalog is read again and shows the trigger.
      expect(await outcome(agent, "DROP TABLE IF EXISTS not_there")).toEqual([]);
      expect(await outcome(agent, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
      const viaGateway = await inTransaction(agent, STEPS);
      expect(viaGateway.last).toMatchObject({ message: expect.stringMatching(READ_ONLY) });
      expect(await eventIds()).toEqual([]);
    } finally {
      await stage.admin.query("DROP EVENT TRIGGER shadow_on_create; DROP FUNCTION public.shadow_on_create()");
    }
  });
});
