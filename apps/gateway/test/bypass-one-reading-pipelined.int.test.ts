import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type BypassStage, startBypassStage } from "./support/bypass-stage";
import { extended } from "./support/extended";
import type { Harness } from "./support/gateway-harness";
import { bytes, type RawClient } from "./support/raw-client";
import { type Outcome, queryBytes, readOutcome } from "./support/raw-outcome";
import { run } from "./support/run";

/**
 * Bypass corpus, class "one reading", pipelined: code the gateway cannot see into (a function an
 * admin allowed by name, a trigger) changes client_encoding or standard_conforming_strings while the
 * statements the client pipelined behind it are already on their way. The server reports the change
 * only at its next ReadyForQuery; whatever it read before then it read in the new encoding. Each
 * attack is first run straight against the server (the oracle: there it deletes), then through the
 * gateway, where the victims' rows must survive.
 */
let harness: Harness;
let admin: pg.Client;
const VICTIMS = 3;

/** Valid UTF-8 that GBK splits differently: E2 82 AC 5C is [E2 82][AC 5C] there, so the quote closes. */
const EURO_DELETE = Buffer.from("SELECT E'€\\' AS harmless; DELETE FROM victims; -- '");
/** One statement either way: a scoped DELETE in UTF-8, `OR true` in GBK (for Parse, one statement only). */
const EURO_SCOPED_DELETE = Buffer.from("DELETE FROM victims WHERE note = E'€\\' OR true --'");
/** With standard_conforming_strings off the backslash escapes the quote: a literal and a DELETE. */
const SCS_OFF_DELETE = Buffer.from("SELECT 'a\\'' AS harmless; DELETE FROM victims; -- '");

let stage: BypassStage;

beforeAll(async () => {
  stage = await startBypassStage({
    schema: (role) => `
    CREATE TABLE victims (id int PRIMARY KEY, note text);
    CREATE TABLE bench_items (id int PRIMARY KEY, label text);
    INSERT INTO bench_items SELECT g, 'item ' || g FROM generate_series(1, 50) g;
    -- SECURITY DEFINER: the owner's code, allowed by name, that moves the session's encoding for good.
    CREATE FUNCTION public.go_gbk() RETURNS text LANGUAGE sql SECURITY DEFINER
      AS $$ SELECT set_config('client_encoding', 'GBK', false) $$;
    CREATE FUNCTION public.scs_off() RETURNS text LANGUAGE sql SECURITY DEFINER
      AS $$ SELECT set_config('standard_conforming_strings', 'off', false) $$;
    CREATE FUNCTION public.benign(t text) RETURNS text LANGUAGE sql AS $$ SELECT upper(t) $$;
    -- A trigger nobody allowed: it runs on every insert into audit_log.
    CREATE TABLE audit_log (id int, what text);
    CREATE FUNCTION public.audit_gbk() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM set_config('client_encoding', 'GBK', false); RETURN NEW; END $$;
    CREATE TRIGGER audit_gbk BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION public.audit_gbk();
    GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ${role};`,
    guardrails: [
      {
        name: "allow-owner-functions",
        kind: "FUNCTION",
        effect: "ALLOW",
        match: { functions: ["public.go_gbk", "public.scs_off", "public.benign"] },
      },
    ],
  });
  ({ harness, admin } = stage);
});
afterAll(() => stage?.stop());
beforeEach(async () => {
  await admin.query("TRUNCATE victims, audit_log; INSERT INTO victims VALUES (1, 'a'), (2, 'b'), (3, 'c')");
});

async function victimsLeft(): Promise<number> {
  return (await admin.query("SELECT count(*)::int AS n FROM victims")).rows[0].n;
}

const viaGateway = () => stage.viaGateway();
const direct = () => stage.direct();

/** One Parse/Bind/Execute of the unnamed statement, its SQL as exact bytes. */
function unnamedRun(sql: Buffer): Buffer {
  const parse = bytes.tagged("P", Buffer.concat([Buffer.from("\0"), sql, Buffer.from([0, 0, 0])]));
  return Buffer.concat([parse, extended.bind("", ""), extended.execute("")]);
}
const sync = () => bytes.tagged("S", Buffer.alloc(0));

/** Writes all the bytes at once, then reads `answers` outcomes (up to each ReadyForQuery or the end). */
async function pipelined(client: RawClient, messages: Buffer[], answers: number): Promise<Outcome[]> {
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

/** The attack works against the server itself: the oracle that the gateway's refusal matters. */
async function expectDeletesDirectly(messages: Buffer[], answers: number): Promise<void> {
  await pipelined(await direct(), messages, answers);
  expect(await victimsLeft()).toBeLessThan(VICTIMS);
  await admin.query("TRUNCATE victims; INSERT INTO victims VALUES (1, 'a'), (2, 'b'), (3, 'c')");
}

describe("bypass corpus: one reading, with statements pipelined behind unjudged code", () => {
  const simpleAttacks: Array<[string, string, Buffer]> = [
    ["an allowed function that sets client_encoding", "SELECT public.go_gbk()", EURO_DELETE],
    ["an allowed function that turns standard strings off", "SELECT public.scs_off()", SCS_OFF_DELETE],
    ["an insert whose trigger sets client_encoding", "INSERT INTO audit_log VALUES (1, 'x')", EURO_DELETE],
  ];
  for (const [what, first, smuggled] of simpleAttacks) {
    it(`[one-reading] simple Queries: ${what}, a smuggled DELETE pipelined behind it never runs`, async () => {
      const messages = [queryBytes(Buffer.from(first)), queryBytes(smuggled)];
      await expectDeletesDirectly(messages, 2);
      const [outcome, ...rest] = await pipelined(await viaGateway(), messages, 2);
      expect(outcome?.isClosed).toBe(true);
      expect(outcome?.error?.severity).toBe("FATAL");
      expect(outcome?.error?.message).toMatch(
        /the upstream reports (client_encoding = GBK|standard_conforming_strings = off)/,
      );
      expect(rest).toEqual([]);
      expect(await victimsLeft()).toBe(VICTIMS);
    });
  }

  it("[one-reading] extended, one batch: a non-ASCII Parse after the function's Execute is refused", async () => {
    const messages = [
      unnamedRun(Buffer.from("SELECT public.go_gbk()")),
      unnamedRun(EURO_SCOPED_DELETE),
      sync(),
    ];
    await expectDeletesDirectly(messages, 1);
    const client = await viaGateway();
    const [outcome] = await pipelined(
      client,
      [...messages, queryBytes(Buffer.from("SHOW client_encoding"))],
      2,
    );
    expect(outcome?.error?.code).toBe("42501");
    expect(outcome?.error?.message).toMatch(/follows, in the same batch, a statement that may run code/);
    expect(outcome?.isClosed).toBe(false);
    expect(await victimsLeft()).toBe(VICTIMS);
  });

  it("[one-reading] extended, one batch: a non-ASCII Bind value after a trigger's Execute is refused", async () => {
    const insert = Buffer.concat([
      extended.parse("ins", "INSERT INTO audit_log VALUES (1, 'x')"),
      extended.bind("", "ins"),
      extended.execute(""),
    ]);
    const remove = Buffer.concat([
      extended.parse("del", "DELETE FROM victims WHERE note = $1"),
      extended.bind("", "del", [], ["€"]),
      extended.execute(""),
    ]);
    const [outcome] = await pipelined(await viaGateway(), [insert, remove, sync()], 1);
    expect(outcome?.error?.code).toBe("42501");
    expect((await admin.query("SELECT count(*)::int AS n FROM audit_log")).rows[0].n).toBe(0);
  });

  it("[one-reading] extended, the next batch: a smuggled Parse after the Sync waits, and the session ends", async () => {
    const messages = [
      unnamedRun(Buffer.from("SELECT public.go_gbk()")),
      sync(),
      unnamedRun(EURO_SCOPED_DELETE),
      sync(),
    ];
    await expectDeletesDirectly(messages, 2);
    const [outcome, ...rest] = await pipelined(await viaGateway(), messages, 2);
    expect(outcome?.error?.severity).toBe("FATAL");
    expect(outcome?.isClosed).toBe(true);
    expect(rest).toEqual([]);
    expect(await victimsLeft()).toBe(VICTIMS);
  });

  it("[one-reading] a prepared statement of the function, bound in a later batch, holds what follows too", async () => {
    const client = await viaGateway();
    client.write(Buffer.concat([extended.parse("gbk", "SELECT public.go_gbk()"), sync()]));
    expect((await readOutcome(client)).error).toBeNull();
    const outcomes = await pipelined(
      client,
      [extended.bind("", "gbk"), extended.execute(""), sync(), unnamedRun(EURO_SCOPED_DELETE), sync()],
      2,
    );
    expect(outcomes[0]?.error?.severity).toBe("FATAL");
    expect(await victimsLeft()).toBe(VICTIMS);
  });

  it("[one-reading] a SQL cursor of the function, Executed by name in a later batch, taints what follows", async () => {
    // DECLARE runs none of the cursor's query: Execute "k" does (SQL cursors are portals). The
    // gateway never saw a Bind of "k", so the batch behind it must count as tainted; the COMMIT
    // pipelined after the smuggled DELETE keeps its effect past the backstop's end of the session.
    const commit = Buffer.concat([extended.parse("", "COMMIT"), extended.bind("", ""), extended.execute("")]);
    const messages = [
      queryBytes(Buffer.from("BEGIN; DECLARE k CURSOR FOR SELECT public.go_gbk()")),
      extended.execute("k"),
      unnamedRun(EURO_SCOPED_DELETE),
      commit,
      sync(),
    ];
    await expectDeletesDirectly(messages, 2);
    const [declared, outcome] = await pipelined(await viaGateway(), messages, 2);
    expect(declared?.error).toBeNull();
    expect(outcome?.error?.code).toBe("42501");
    expect(outcome?.error?.message).toMatch(/follows, in the same batch, a statement that may run code/);
    expect(await victimsLeft()).toBe(VICTIMS);
  });

  it("[one-reading] the allowed statements before a refused one run: their code holds what follows", async () => {
    // The COMMIT keeps the function's setting past the refusal's error (which would undo it).
    const messages = [
      queryBytes(Buffer.from("SELECT public.go_gbk(); COMMIT; ALTER SYSTEM SET work_mem = 1024")),
      queryBytes(EURO_DELETE),
    ];
    await expectDeletesDirectly(messages, 2);
    const [outcome, ...rest] = await pipelined(await viaGateway(), messages, 2);
    expect(outcome?.isClosed).toBe(true);
    expect(outcome?.error?.message).toMatch(/the upstream reports client_encoding = GBK/);
    expect(rest).toEqual([]);
    expect(await victimsLeft()).toBe(VICTIMS);
  });

  it("[one-reading] ordinary pipelining still runs, in order, behind an allowed function that changes nothing", async () => {
    const messages = [
      unnamedRun(Buffer.from("SELECT public.benign('é')")),
      unnamedRun(Buffer.from("SELECT 'ASCII after it, same batch'")),
      sync(),
      unnamedRun(Buffer.from("SELECT 'ünïcödé in the next batch'")),
      sync(),
      queryBytes(Buffer.from("SELECT public.benign('ü')")),
      queryBytes(Buffer.from("SELECT 'naïve', count(*) FROM victims")),
    ];
    const outcomes = await pipelined(await viaGateway(), messages, 4);
    expect(outcomes.map((o) => o.error)).toEqual([null, null, null, null]);
    const decode = (o: Outcome | undefined) =>
      o?.rows.map((row) => row.map((v) => Buffer.from(v, "latin1").toString("utf8")));
    expect(decode(outcomes[0])).toEqual([["É"], ["ASCII after it, same batch"]]);
    expect(decode(outcomes[1])).toEqual([["ünïcödé in the next batch"]]);
    expect(decode(outcomes[2])).toEqual([["Ü"]]);
    expect(decode(outcomes[3])).toEqual([["naïve", "3"]]);
  });

  it("[one-reading] pgbench -M extended runs through the gateway with writes and reads pipelined per client", async () => {
    const script = path.join(tmpdir(), `sluice-pipeline-${process.pid}.sql`);
    writeFileSync(
      script,
      [
        "\\set id random(1, 50)",
        "UPDATE bench_items SET label = 'élan ' || :id WHERE id = :id;",
        "SELECT label FROM bench_items WHERE id = :id;",
        "INSERT INTO audit_log VALUES (:id, 'pgbench');",
        "",
      ].join("\n"),
    );
    // audit_log's trigger would move the encoding: a clean trigger for this run.
    await admin.query(
      "CREATE OR REPLACE FUNCTION public.audit_gbk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    );
    try {
      const result = await run("pgbench", [
        "-n",
        "-M",
        "extended",
        "-c",
        "2",
        "-t",
        "25",
        "-f",
        script,
        harness.url,
      ]);
      expect(result.stderr).not.toMatch(/error|aborted/i);
      expect(result.stdout).toMatch(/number of transactions actually processed: 50\/50/);
    } finally {
      await admin.query(`CREATE OR REPLACE FUNCTION public.audit_gbk() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM set_config('client_encoding', 'GBK', false); RETURN NEW; END $$`);
    }
  });
});
