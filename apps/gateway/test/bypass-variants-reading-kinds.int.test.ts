import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { run } from "./support/run";
import { attempt, leakedForms, ordersFingerprint, seedVariantShop } from "./support/variant-shop";

/**
 * Held-back variants of issue 14's classes 1 (one reading), 6 (statement kinds) and 7 (kind
 * families): lexing settings changed by every door (SET LOCAL, set_config in a WHERE, the startup
 * packet, the client's encoding variable, the role's defaults), literals whose end only the lexer
 * knows, writes nested in CTEs, COPY, EXPLAIN, PREPARE and rules, TRUNCATE, and ALTERs of every
 * object. Checked against the upstream: the orders an injected DELETE would remove are still there.
 */
const INJECTED = "SELECT 'x\\'; DELETE FROM orders; --'";

const REFUSED: { steps: string[]; rule: string }[] = [
  // One reading: the settings that change where a literal ends are pinned, whatever the door.
  { steps: ["SET standard_conforming_strings = off", INJECTED], rule: "sluice:pinned-setting" },
  {
    steps: ["SELECT set_config('standard_conforming_strings', 'off', false)", INJECTED],
    rule: "sluice:pinned-setting",
  },
  {
    steps: ["BEGIN", "SET LOCAL standard_conforming_strings TO 'of'", INJECTED],
    rule: "sluice:pinned-setting",
  },
  {
    steps: [
      "SELECT 'x' FROM orders WHERE set_config('standard_conforming_strings', 'off', false) IS NOT NULL",
      INJECTED,
    ],
    rule: "sluice:pinned-setting",
  },
  // A computed name could be any setting, session_authorization among them: refused for that first.
  { steps: ["SELECT set_config(lower('CLIENT_ENCODING'), 'SJIS', false)"], rule: "sluice:privilege-change" },
  { steps: ["SET client_encoding = 'SQL_ASCII'"], rule: "sluice:pinned-setting" },
  { steps: ["SET client_encoding = 'LATIN1'"], rule: "sluice:pinned-setting" },
  {
    steps: [
      "CREATE FUNCTION public.lexf() RETURNS int SET standard_conforming_strings = off LANGUAGE sql AS $b$ SELECT 1 $b$",
    ],
    rule: "sluice:hidden-sql",
  },
  // Statement kinds: writes nested anywhere count.
  { steps: ["WITH d AS (DELETE FROM orders RETURNING *) SELECT 1"], rule: "scoped-writes" },
  {
    steps: ["WITH d AS (UPDATE orders SET status = 'x' RETURNING *) SELECT count(*) FROM d"],
    rule: "scoped-writes",
  },
  { steps: ["EXPLAIN (ANALYZE, FORMAT JSON) DELETE FROM orders"], rule: "scoped-writes" },
  { steps: ["PREPARE p(int) AS DELETE FROM orders WHERE $1 = 1"], rule: "scoped-writes" },
  { steps: ["CREATE RULE r AS ON UPDATE TO notes DO INSTEAD DELETE FROM orders"], rule: "scoped-writes" },
  { steps: ["COPY (DELETE FROM orders RETURNING *) TO STDOUT"], rule: "scoped-writes" },
  { steps: ["TRUNCATE orders"], rule: "scoped-writes" },
  { steps: ["TRUNCATE TABLE ONLY notes, orders RESTART IDENTITY"], rule: "scoped-writes" },
  { steps: ["CREATE TEMP VIEW ov AS SELECT * FROM orders", "DELETE FROM ov"], rule: "scoped-writes" },
  // Kind families: ALTER means every ALTER, whatever node the parser makes of it.
  { steps: ["ALTER ROLE CURRENT_USER SET standard_conforming_strings = off"], rule: "no-alter" },
  { steps: ["ALTER DATABASE CURRENT SET client_encoding = 'SJIS'"], rule: "no-alter" },
  { steps: ["ALTER SEQUENCE IF EXISTS s1 RESTART"], rule: "no-alter" },
  { steps: ["ALTER SCHEMA other RENAME TO other2"], rule: "no-alter" },
  { steps: ["ALTER FUNCTION other.f() RENAME TO g"], rule: "no-alter" },
  { steps: ["ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC"], rule: "no-alter" },
  { steps: ["ALTER INDEX ssn_unique RENAME TO s2"], rule: "no-alter" },
  { steps: ["ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'x'"], rule: "no-alter" },
  { steps: ["ALTER TABLE IF EXISTS ONLY orders DISABLE TRIGGER ALL"], rule: "no-alter" },
];

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  await seedVariantShop(harness);
});
afterAll(() => harness?.stop());

describe("held-back variants of one reading, statement kinds and kind families", () => {
  for (const { steps, rule } of REFUSED) {
    it(`${steps.join("; ")} → ${rule}`, async () => {
      const orders = await ordersFingerprint(harness.directUrl);
      for (const mode of ["simple", "extended"] as const) {
        const through = await attempt(harness.url, steps, mode);
        const refusal = through.results.find(
          (result) => "code" in result && result.message.includes(`"${rule}"`),
        );
        expect(refusal, `${mode}: ${JSON.stringify(through.results)}`).toMatchObject({ code: "42501" });
        expect(leakedForms(through.bytes)).toEqual([]);
      }
      expect(await ordersFingerprint(harness.directUrl)).toBe(orders);
    });
  }

  // Literals whose end only the lexer knows: the gateway's reading is the server's, one statement.
  for (const [sql, value] of [
    ["SELECT U&'d!0027; DELETE FROM orders; --' UESCAPE '!' AS v", "d'; DELETE FROM orders; --"],
    ["SELECT $ä$ '; DELETE FROM orders; -- $ä$ AS v", " '; DELETE FROM orders; -- "],
    ["SELECT $_$ $$; DELETE FROM orders; $_$ AS v", " $$; DELETE FROM orders; "],
    ["SELECT E'\\\\'' AS v", null],
    ["SELECT 'a' /* '; DELETE FROM orders; /* nested */ ' */ AS v", "a"],
  ] as const) {
    it(`${sql} is one statement, as the server reads it`, async () => {
      const orders = await ordersFingerprint(harness.directUrl);
      for (const mode of ["simple", "extended"] as const) {
        const direct = await attempt(harness.directUrl, [sql], mode);
        const through = await attempt(harness.url, [sql], mode);
        expect(through.results).toEqual(direct.results);
        if (value !== null) expect(through.results).toEqual([{ rows: [{ v: value }] }]);
      }
      expect(await ordersFingerprint(harness.directUrl)).toBe(orders);
    });
  }

  it("a startup packet's options=-c cannot unpin standard_conforming_strings", async () => {
    const url = `${harness.url}&options=${encodeURIComponent("-c standard_conforming_strings=off")}`;
    const client = new pg.Client({ connectionString: url });
    const connected = await client.connect().then(
      () => null,
      (error: Error) => error,
    );
    if (connected === null) {
      const { rows } = await client.query("SHOW standard_conforming_strings");
      await client.end();
      expect(rows).toEqual([{ standard_conforming_strings: "on" }]);
    } else {
      expect(connected.message).toMatch(/standard_conforming_strings/);
    }
  });

  for (const encoding of ["SJIS", "BIG5", "GB18030"]) {
    it(`psql with PGCLIENTENCODING=${encoding} cannot make the server read bytes the gateway does not`, async () => {
      const orders = await ordersFingerprint(harness.directUrl);
      // 0x95 0x5C is one SJIS/BIG5/GB18030 character ending in a backslash.
      const injected = Buffer.concat([
        Buffer.from("SELECT E'"),
        Buffer.from([0x95, 0x5c]),
        Buffer.from("' AS harmless; DELETE FROM orders; -- '\n"),
      ]).toString("latin1");
      const psql = await run("psql", ["-X", "-f", "-", harness.url], {
        env: { PGCLIENTENCODING: encoding },
        input: injected,
      });
      expect(`${psql.stdout}${psql.stderr}`).toMatch(/client_encoding|pinned|UTF8/);
      expect(await ordersFingerprint(harness.directUrl)).toBe(orders);
    });
  }
});
