import { CODE_MAX_AGE_MS } from "@sluice/policy/code-freshness";
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type BypassStage, startBypassStage } from "./support/bypass-stage";
import { extended } from "./support/extended";
import type { RawClient } from "./support/raw-client";
import { type Outcome, queryBytes, readOutcome } from "./support/raw-outcome";

/**
 * Bypass corpus, class "functions by knowledge", the code a statement runs without naming it:
 * views and row security policies that call user code, columns whose type's casts or CHECKs are
 * user code, cursors over such views (their query runs at FETCH), and code created after the
 * gateway read the catalog: by this session (same message, open transaction, earlier message) or
 * by another connection. Here that code moves client_encoding to GBK, so a DELETE pipelined behind
 * it is read by the server as two statements. Each attack first deletes straight against the
 * server (the oracle); through Sluice the victims' rows must survive.
 */
let admin: pg.Client;
const VICTIMS = 3;
/** Valid UTF-8 that GBK splits differently: E2 82 AC 5C is [E2 82][AC 5C] there, so the quote closes. */
const EURO_DELETE = Buffer.from("SELECT E'€\\' AS harmless; DELETE FROM victims; -- '");
/** The same inside a transaction: the DELETE commits first, so closing the session keeps it. */
const EURO_COMMIT_DELETE = Buffer.from("SELECT E'€\\' AS harmless; COMMIT; DELETE FROM victims; -- '");

let stage: BypassStage;

beforeAll(async () => {
  stage = await startBypassStage({
    schema: (role) => `
    CREATE TABLE victims (id int PRIMARY KEY, note text);
    CREATE TABLE items (id int PRIMARY KEY, label text);
    INSERT INTO items VALUES (1, 'one');
    CREATE FUNCTION public.go_gbk() RETURNS text LANGUAGE sql SECURITY DEFINER
      AS $$ SELECT set_config('client_encoding', 'GBK', false) $$;
    CREATE FUNCTION public.gbk_check(v text) RETURNS boolean LANGUAGE sql SECURITY DEFINER
      AS $$ SELECT set_config('client_encoding', 'GBK', false) IS NOT NULL $$;
    CREATE FUNCTION public.gbk_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM set_config('client_encoding', 'GBK', false); RETURN NEW; END $$;
    CREATE VIEW view_calls AS SELECT id, public.go_gbk() AS g FROM items;
    CREATE VIEW view_over_view AS SELECT id FROM view_calls;
    CREATE TABLE guarded (id int);
    INSERT INTO guarded VALUES (1);
    ALTER TABLE guarded ENABLE ROW LEVEL SECURITY;
    CREATE POLICY guarded_read ON guarded USING (public.gbk_check(id::text));
    CREATE DOMAIN checked_note AS text CHECK (public.gbk_check(VALUE));
    CREATE TABLE checked (id int, note checked_note);
    CREATE TYPE mood AS ENUM ('ok');
    CREATE FUNCTION public.text_to_mood(text) RETURNS mood LANGUAGE plpgsql AS $$
      BEGIN PERFORM set_config('client_encoding', 'GBK', false); RETURN enum_first(null::mood); END $$;
    CREATE CAST (text AS mood) WITH FUNCTION public.text_to_mood(text) AS ASSIGNMENT;
    CREATE FUNCTION public.mood_to_int(mood) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
    CREATE CAST (mood AS int) WITH FUNCTION public.mood_to_int(mood);
    CREATE TABLE moods (id int, m mood);
    CREATE TABLE late_trigger (id int);
    CREATE TABLE truncated (id int);
    CREATE TRIGGER truncated_gbk BEFORE TRUNCATE ON truncated
      FOR EACH STATEMENT EXECUTE FUNCTION public.gbk_trigger();
    CREATE TABLE checked_keyed (id int PRIMARY KEY, note checked_note);
    GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ${role};`,
    guardrails: [
      // The owner's functions, allowed by name: views and triggers the agent creates may call them.
      {
        name: "allow-owner-functions",
        kind: "FUNCTION",
        effect: "ALLOW",
        match: { functions: ["public.go_gbk", "public.gbk_trigger"] },
      },
    ],
  });
  ({ admin } = stage);
});
afterAll(() => stage?.stop());
beforeEach(async () => {
  await admin.query("TRUNCATE victims; INSERT INTO victims VALUES (1, 'a'), (2, 'b'), (3, 'c')");
});

const victimsLeft = async (): Promise<number> =>
  (await admin.query("SELECT count(*)::int AS n FROM victims")).rows[0].n;
const viaGateway = () => stage.viaGateway();
const direct = () => stage.direct();

/** Runs `setup` one Query at a time, then writes `attack` and the smuggled DELETE at once. */
async function attack(
  client: RawClient,
  setup: string[],
  first: string,
  smuggled = EURO_DELETE,
): Promise<Outcome[]> {
  for (const sql of setup) {
    client.write(queryBytes(Buffer.from(sql)));
    const outcome = await readOutcome(client);
    if (outcome.error) throw new Error(`setup "${sql}" failed: ${outcome.error.message}`);
  }
  client.write(Buffer.concat([queryBytes(Buffer.from(first)), queryBytes(smuggled)]));
  const outcomes: Outcome[] = [];
  for (let i = 0; i < 2; i++) {
    const outcome = await readOutcome(client);
    outcomes.push(outcome);
    if (outcome.isClosed) break;
  }
  client.close();
  return outcomes;
}

/** The attack deletes against the server itself; through Sluice the session ends and nothing is deleted. */
async function expectSealed(setup: (run: string) => string[], first: (run: string) => string) {
  const smuggled = setup("").includes("BEGIN") ? EURO_COMMIT_DELETE : EURO_DELETE;
  await attack(await direct(), setup("direct"), first("direct"), smuggled);
  expect(await victimsLeft()).toBeLessThan(VICTIMS);
  await admin.query("TRUNCATE victims; INSERT INTO victims VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  const [outcome, ...rest] = await attack(await viaGateway(), setup("sluice"), first("sluice"), smuggled);
  expect(outcome?.isClosed).toBe(true);
  expect(outcome?.error?.message).toMatch(/the upstream reports client_encoding = GBK/);
  expect(rest).toEqual([]);
  expect(await victimsLeft()).toBe(VICTIMS);
}

const none = () => [];

describe("bypass corpus: code a statement runs without naming it", () => {
  const reads: Array<[string, string]> = [
    ["a view whose query calls a user function", "SELECT id FROM view_calls"],
    ["a view over that view", "SELECT id FROM view_over_view"],
    ["the view in a subquery", "SELECT (SELECT count(*) FROM view_calls)"],
    ["the view in a CTE", "WITH x AS (SELECT * FROM view_calls) SELECT count(*) FROM x"],
    ["the view joined", "SELECT i.id FROM items i JOIN view_calls v USING (id)"],
    ["a row security policy calling a user function", "SELECT count(*) FROM guarded"],
    ["an insert into a domain whose CHECK calls a user function", "INSERT INTO checked VALUES (1, 'x')"],
    ["an update of that domain column", "UPDATE checked SET note = 'y' WHERE id = 1"],
    [
      "an insert whose assignment cast into a user type runs a user function",
      "INSERT INTO moods VALUES (1, 'ok'::text)",
    ],
    ["an insert ... select through the assignment cast", "INSERT INTO moods SELECT 2, label FROM items"],
    [
      "a MERGE inserting through the assignment cast",
      "MERGE INTO moods t USING items s ON false WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.label)",
    ],
    [
      "an upsert whose conflict update goes through the domain CHECK",
      "INSERT INTO checked_keyed VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET note = EXCLUDED.note",
    ],
    [
      "an UPDATE that reads the view in FROM",
      "UPDATE items SET label = label FROM view_calls v WHERE v.id = items.id",
    ],
    ["a TRUNCATE whose statement trigger runs user code", "TRUNCATE truncated"],
  ];
  for (const [what, sql] of reads) {
    it(`[functions] ${what}: a DELETE pipelined behind it never runs`, async () => {
      await expectSealed(none, () => sql);
    });
  }

  it("[functions] a cursor over the view runs its code at FETCH: a DELETE pipelined behind it never runs", async () => {
    await expectSealed(
      () => ["BEGIN", "DECLARE c CURSOR FOR SELECT * FROM view_calls"],
      () => "FETCH 1 FROM c",
    );
  });
});

describe("bypass corpus: code created after the gateway read the catalog", () => {
  const viewSql = (run: string) => `CREATE VIEW fresh_${run} AS SELECT public.go_gbk() AS g`;

  it("[functions] this session's view, created in the message before", async () => {
    await expectSealed(
      (run) => ["SELECT count(*) FROM items", viewSql(`a_${run}`)],
      (run) => `SELECT * FROM fresh_a_${run}`,
    );
  });

  it("[functions] this session's view, created in the same message", async () => {
    await expectSealed(
      () => ["SELECT count(*) FROM items"],
      (run) => `${viewSql(`b_${run}`)}; SELECT * FROM fresh_b_${run}`,
    );
  });

  it("[functions] this session's view, created in a transaction still open", async () => {
    await expectSealed(
      (run) => ["SELECT count(*) FROM items", "BEGIN", viewSql(`c_${run}`)],
      (run) => `SELECT * FROM fresh_c_${run}`,
    );
  });

  it("[functions] this session's trigger on a table it then writes", async () => {
    await expectSealed(
      (run) => [
        `CREATE TABLE trig_${run} (id int)`,
        `SELECT count(*) FROM trig_${run}`,
        `CREATE TRIGGER t BEFORE INSERT ON trig_${run} FOR EACH ROW EXECUTE FUNCTION public.gbk_trigger()`,
      ],
      (run) => `INSERT INTO trig_${run} VALUES (1)`,
    );
  });

  it("[functions] another connection's trigger, created after this session read the catalog", async () => {
    // The trigger exists only while each attack runs; the gateway's session reads the catalog first.
    const client = await viaGateway();
    client.write(queryBytes(Buffer.from("SELECT count(*) FROM late_trigger")));
    expect((await readOutcome(client)).error).toBeNull();
    const create =
      "CREATE TRIGGER late BEFORE INSERT ON late_trigger FOR EACH ROW EXECUTE FUNCTION public.gbk_trigger()";
    await admin.query(create);
    try {
      await attack(await direct(), [], "INSERT INTO late_trigger VALUES (1)");
      expect(await victimsLeft()).toBeLessThan(VICTIMS);
      await admin.query("TRUNCATE victims; INSERT INTO victims VALUES (1, 'a'), (2, 'b'), (3, 'c')");
      // Past the bound on the catalog's age, no statement is judged without a read that shows it.
      await new Promise((resolve) => setTimeout(resolve, CODE_MAX_AGE_MS + 250));
      const [outcome] = await attack(client, [], "INSERT INTO late_trigger VALUES (1)");
      expect(outcome?.isClosed).toBe(true);
      expect(await victimsLeft()).toBe(VICTIMS);
    } finally {
      await admin.query("DROP TRIGGER late ON late_trigger");
    }
  });
});

/** One DELETE statement either way: scoped in UTF-8, `OR true` in GBK (a Parse holds one statement). */
const EURO_SCOPED_DELETE = "DELETE FROM victims WHERE note = E'€\\' OR true --'";
const run = (statement: string, sql: string) =>
  Buffer.concat([extended.parse(statement, sql), extended.bind("", statement), extended.execute("")]);

/** Writes the messages at once and reads `answers` outcomes (each up to a ReadyForQuery, or the end). */
async function batches(client: RawClient, messages: Buffer[], answers: number): Promise<Outcome[]> {
  client.write(Buffer.concat(messages));
  const outcomes: Outcome[] = [];
  for (let i = 0; i < answers; i++) {
    const outcome = await readOutcome(client);
    outcomes.push(outcome);
    if (outcome.isClosed) break;
  }
  client.close();
  return outcomes;
}

describe("bypass corpus: code run without naming it, over the extended protocol", () => {
  it("[functions] one batch: a non-ASCII Parse after an Execute reading the view is refused", async () => {
    const messages = [run("", "SELECT id FROM view_calls"), run("", EURO_SCOPED_DELETE), extended.sync()];
    await batches(await direct(), messages, 1);
    expect(await victimsLeft()).toBeLessThan(VICTIMS);
    await admin.query("TRUNCATE victims; INSERT INTO victims VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    const [outcome] = await batches(await viaGateway(), messages, 1);
    expect(outcome?.error?.code).toBe("42501");
    expect(outcome?.error?.message).toMatch(/follows, in the same batch, a statement that may run code/);
    expect(await victimsLeft()).toBe(VICTIMS);
  });

  it("[functions] the next batch: a statement reading the view, then a smuggled Parse after its Sync", async () => {
    const messages = [
      run("", "SELECT id FROM view_over_view"),
      extended.sync(),
      run("", EURO_SCOPED_DELETE),
      extended.sync(),
    ];
    await batches(await direct(), messages, 2);
    expect(await victimsLeft()).toBeLessThan(VICTIMS);
    await admin.query("TRUNCATE victims; INSERT INTO victims VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    const [outcome, ...rest] = await batches(await viaGateway(), messages, 2);
    expect(outcome?.error?.severity).toBe("FATAL");
    expect(rest).toEqual([]);
    expect(await victimsLeft()).toBe(VICTIMS);
  });

  it("[functions] a view created by a prepared statement bound later, then read with a DELETE behind", async () => {
    const attackWith = async (client: RawClient, view: string) => {
      const create = `CREATE VIEW ${view} AS SELECT public.go_gbk() AS g`;
      client.write(Buffer.concat([extended.parse("mk", create), extended.sync()]));
      expect((await readOutcome(client)).error).toBeNull();
      client.write(Buffer.concat([extended.bind("", "mk"), extended.execute(""), extended.sync()]));
      expect((await readOutcome(client)).error).toBeNull();
      return batches(client, [queryBytes(Buffer.from(`SELECT * FROM ${view}`)), queryBytes(EURO_DELETE)], 2);
    };
    await attackWith(await direct(), "prepared_direct");
    expect(await victimsLeft()).toBeLessThan(VICTIMS);
    await admin.query("TRUNCATE victims; INSERT INTO victims VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    const [outcome] = await attackWith(await viaGateway(), "prepared_sluice");
    expect(outcome?.isClosed).toBe(true);
    expect(await victimsLeft()).toBe(VICTIMS);
  });
});

describe("user casts judged on their user-defined side", () => {
  it("[functions] a user cast out of a user type into int leaves plain ::int alone", async () => {
    const client = await viaGateway();
    try {
      client.write(
        queryBytes(Buffer.from("SELECT '5'::int AS a, 7::text::int4 AS b, CAST('9' AS integer) AS c")),
      );
      const outcome = await readOutcome(client);
      expect(outcome.error).toBeNull();
      expect(outcome.rows).toEqual([["5", "7", "9"]]);
      client.write(queryBytes(Buffer.from("SELECT 'ok'::mood::int")));
      expect((await readOutcome(client)).error?.message).toMatch(/"sluice:unknown-function"/);
    } finally {
      client.close();
    }
  });
});
