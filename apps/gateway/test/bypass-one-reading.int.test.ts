import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BypassStage, startBypassStage } from "./support/bypass-stage";
import type { Harness } from "./support/gateway-harness";
import { bytes, int32, RawClient } from "./support/raw-client";
import { type Outcome, readOutcome, runBytes } from "./support/raw-outcome";
import { run } from "./support/run";
import type { UpstreamLogin } from "./support/side-by-side";

/**
 * Bypass corpus, class "one reading": every way to make the server read a statement's bytes
 * differently from the gateway (client_encoding, standard_conforming_strings, invalid UTF-8),
 * through the real gateway, with the upstream's rows checked after each attempted write.
 */
let harness: Harness;
let upstream: UpstreamLogin;
let admin: pg.Client;
const ORDERS = 3;

/** The GBK reproduction: 0xBF 0x5C is one GBK character, so the backslash escapes nothing there. */
const GBK_DELETE = Buffer.concat([
  Buffer.from("SELECT E'"),
  Buffer.from([0xbf]),
  Buffer.from("\\' AS harmless; DELETE FROM orders; -- '"),
]);
/** Valid UTF-8 that GBK splits differently: E2 82 AC 5C is [E2 82][AC 5C] there, so the quote closes. */
const EURO_DELETE = Buffer.from("SELECT E'€\\' AS harmless; DELETE FROM orders; -- '");
/** With standard_conforming_strings off the backslash escapes the quote; on, the literal ends there. */
const BACKSLASH_DELETE = "SELECT '\\' AS harmless; DELETE FROM orders; -- '";
/** The other way round: one literal with standard strings on, a literal and a DELETE with them off. */
const SCS_OFF_DELETE = "SELECT 'a\\'' AS harmless; DELETE FROM orders; -- '";

let stage: BypassStage;

beforeAll(async () => {
  stage = await startBypassStage({
    schema: (role) => `
    CREATE TABLE orders (id int PRIMARY KEY, status text);
    INSERT INTO orders VALUES (1, 'paid'), (2, 'shipped'), (3, 'paid');
    CREATE SCHEMA hr; CREATE TABLE hr.people (id int); INSERT INTO hr.people VALUES (7);
    -- A function body the gateway cannot see into that changes the session's encoding for good.
    CREATE FUNCTION public.go_gbk() RETURNS text LANGUAGE sql
      AS $$ SELECT set_config('client_encoding', 'GBK', false) $$;
    CREATE FUNCTION public.scs_off() RETURNS text LANGUAGE sql
      AS $$ SELECT set_config('standard_conforming_strings', 'off', false) $$;
    -- A function SET clause: the encoding changes only while it runs.
    CREATE FUNCTION public.enc_inside() RETURNS text LANGUAGE sql SET client_encoding = 'GBK'
      AS $$ SELECT current_setting('client_encoding') $$;
    GRANT ALL ON ALL TABLES IN SCHEMA public, hr TO ${role};
    GRANT USAGE ON SCHEMA hr TO ${role};
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ${role};`,
    guardrails: [
      {
        name: "no-unscoped-delete",
        kind: "MISSING_WHERE",
        match: { kinds: ["DELETE"] },
      },
      // The functions that change a pinned setting where the gateway cannot see, allowed by name: an
      // admin's choice the backstop must still survive (unknown functions are refused by default).
      {
        name: "allow-encoding-functions",
        kind: "FUNCTION",
        effect: "ALLOW",
        match: { functions: ["public.go_gbk", "public.scs_off", "public.enc_inside"] },
      },
      // A DENY SETTING rule: a setting given at connect is the same SET, refused the same way.
      {
        name: "no-lock-timeout",
        kind: "SETTING",
        match: { settings: ["lock_timeout"] },
      },
    ],
  });
  ({ harness, upstream, admin } = stage);
});
afterAll(() => stage?.stop());

async function ordersLeft(): Promise<number> {
  return (await admin.query("SELECT count(*)::int AS n FROM orders")).rows[0].n;
}

const viaGateway = () => stage.viaGateway();
const direct = () => stage.direct();
const text = (sql: string) => Buffer.from(sql);

/** The Sluice rule that refused, "22021"/"08P01" for a refusal of the bytes, or "allow". */
function verdictOf(outcome: Outcome): string {
  const rule = /^blocked by (?:guardrail|Sluice default) "([^"]+)"/.exec(outcome.error?.message ?? "")?.[1];
  if (rule) return rule;
  // Bytes that are not UTF-8 get the server's own ERROR; a malformed message ends the session.
  if (outcome.error?.code === "22021" || (outcome.error && outcome.isClosed)) return outcome.error.code;
  return "allow";
}

/** Runs statements in one gateway session, in order; returns each outcome. */
async function inSession(...statements: Array<string | Buffer>): Promise<Outcome[]> {
  const client = await viaGateway();
  const outcomes: Outcome[] = [];
  try {
    for (const statement of statements) {
      const outcome = await runBytes(client, typeof statement === "string" ? text(statement) : statement);
      outcomes.push(outcome);
      if (outcome.isClosed) break;
    }
  } finally {
    client.close();
  }
  return outcomes;
}

/** A startup packet with these parameters; the gateway judges them before authentication. */
async function startupRefusal(params: Record<string, string>): Promise<{ code: string; message: string }> {
  const client = await RawClient.connect(harness.port);
  try {
    client.write(bytes.startup({ user: harness.agent.name, database: harness.connectionName, ...params }));
    const outcome = await readOutcome(client);
    return { code: outcome.error?.code ?? "", message: outcome.error?.message ?? "" };
  } finally {
    client.close();
  }
}

describe("bypass corpus: one reading of every byte", () => {
  describe("the GBK reproduction and its variants", () => {
    const encodingChanges: Array<[string, string[]]> = [
      ["SET client_encoding", ["SET client_encoding = 'GBK'"]],
      ["SET NAMES", ["SET NAMES 'GBK'"]],
      ["SET SESSION with a quoted upper-case name", [`SET SESSION "CLIENT_ENCODING" TO 'SJIS'`]],
      ["SET LOCAL in a transaction", ["BEGIN", "SET LOCAL client_encoding = 'BIG5'"]],
      ["set_config with a constant name", ["SELECT set_config('client_encoding', 'GBK', false)"]],
      ["set_config, local, in a transaction", ["BEGIN", "SELECT set_config('client_encoding', 'UHC', true)"]],
      [
        "set_config inside a CTE",
        ["WITH x AS (SELECT set_config('client_encoding', 'GBK', false)) SELECT * FROM x"],
      ],
      [
        "set_config under EXPLAIN ANALYZE",
        ["EXPLAIN ANALYZE SELECT set_config('client_encoding', 'GBK', false)"],
      ],
      [
        "set_config in a PREPAREd statement",
        ["PREPARE p AS SELECT set_config('client_encoding', 'GBK', false)"],
      ],
    ];
    for (const [how, statements] of encodingChanges) {
      it(`[one-reading] ${how} is refused as a pinned setting, and the GBK bytes as invalid UTF-8`, async () => {
        const outcomes = await inSession(...statements, GBK_DELETE);
        expect(verdictOf(outcomes.at(-2) as Outcome)).toBe("sluice:pinned-setting");
        const last = outcomes.at(-1) as Outcome;
        expect(verdictOf(last)).toBe("22021");
        // 0xBF cannot start a UTF-8 character: the server quotes it alone.
        expect(last.error?.message).toBe('invalid byte sequence for encoding "UTF8": 0xbf');
        expect(await ordersLeft()).toBe(ORDERS);
      });
    }

    it("[one-reading] set_config with a computed name is refused", async () => {
      const [outcome] = await inSession("SELECT set_config('client_' || 'encoding', 'GBK', false)");
      expect(verdictOf(outcome as Outcome)).toBe("sluice:privilege-change");
    });

    it("[one-reading] set_config with the name bound as a parameter is refused", async () => {
      const client = new pg.Client({ connectionString: harness.url });
      await client.connect();
      try {
        const error = await client
          .query("SELECT set_config($1, $2, false)", ["client_encoding", "GBK"])
          .catch((e: Error) => e);
        expect((error as Error).message).toMatch(/^blocked by Sluice default "sluice:privilege-change"/);
        expect((await client.query("SHOW client_encoding")).rows[0].client_encoding).toBe("UTF8");
      } finally {
        await client.end();
      }
    });

    it("[one-reading] writing pg_settings is refused", async () => {
      const [outcome] = await inSession(
        "UPDATE pg_settings SET setting = 'GBK' WHERE name = 'client_encoding'",
      );
      expect(verdictOf(outcome as Outcome)).toMatch(/^sluice:/);
    });

    it("[one-reading] a DO block that sets the encoding is refused", async () => {
      const [outcome] = await inSession(
        "DO $$ BEGIN PERFORM set_config('client_encoding', 'GBK', false); END $$",
      );
      expect(verdictOf(outcome as Outcome)).toBe("sluice:hidden-sql");
    });

    it("[one-reading] ALTER FUNCTION ... SET client_encoding is refused", async () => {
      const [outcome] = await inSession("ALTER FUNCTION public.enc_inside() SET client_encoding = 'SJIS'");
      expect(verdictOf(outcome as Outcome)).toMatch(/^sluice:/);
    });

    it("[one-reading] the GBK bytes alone are refused with the server's own error", async () => {
      const server = await direct();
      const expected = await runBytes(server, GBK_DELETE);
      server.close();
      const [outcome] = await inSession(GBK_DELETE);
      expect(outcome?.error).toEqual(expected.error);
      expect(outcome?.isClosed).toBe(false);
      expect(expected.error?.code).toBe("22021");
      expect(await ordersLeft()).toBe(ORDERS);
    });

    it("[one-reading] valid UTF-8 that GBK would split differently stays one literal", async () => {
      const [set, read] = await inSession("SET client_encoding = 'GBK'", EURO_DELETE);
      expect(verdictOf(set as Outcome)).toBe("sluice:pinned-setting");
      expect(read?.tags).toEqual(["SELECT 1"]);
      expect(read?.rows).toEqual([
        [Buffer.from("€' AS harmless; DELETE FROM orders; -- ").toString("latin1")],
      ]);
      expect(await ordersLeft()).toBe(ORDERS);
    });

    it("[one-reading] a function SET clause changes the encoding only while it runs", async () => {
      const [inside, after, read] = await inSession(
        "SELECT public.enc_inside()",
        "SHOW client_encoding",
        EURO_DELETE,
      );
      expect(inside?.rows).toEqual([["GBK"]]);
      expect(after?.rows).toEqual([["UTF8"]]);
      expect(read?.tags).toEqual(["SELECT 1"]);
      expect(await ordersLeft()).toBe(ORDERS);
    });

    it("[one-reading] a function body that changes the encoding ends the session before the next statement", async () => {
      // The policy cannot see into go_gbk(); the server's ParameterStatus is the backstop.
      const outcomes = await inSession("SELECT public.go_gbk()", EURO_DELETE);
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0]?.isClosed).toBe(true);
      expect(outcomes[0]?.error?.severity).toBe("FATAL");
      expect(outcomes[0]?.error?.message).toMatch(/reports client_encoding = GBK/);
      expect(await ordersLeft()).toBe(ORDERS);
    });

    it("[one-reading] a function body that turns standard strings off ends the session too", async () => {
      const outcomes = await inSession("SELECT public.scs_off()", SCS_OFF_DELETE);
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0]?.error?.message).toMatch(/reports standard_conforming_strings = off/);
      expect(await ordersLeft()).toBe(ORDERS);
    });
  });

  describe("client encodings at connect", () => {
    for (const encoding of ["GBK", "SJIS", "BIG5", "GB18030", "JOHAB", "UHC", "LATIN1"]) {
      it(`[one-reading] startup client_encoding=${encoding} is refused before authentication`, async () => {
        const refusal = await startupRefusal({ client_encoding: encoding });
        expect(refusal.code).toBe("22023");
        expect(refusal.message).toContain(`client_encoding "${encoding}" is not supported by Sluice`);
      });
    }

    it("[one-reading] options=-c client_encoding=GBK is refused", async () => {
      const refusal = await startupRefusal({ options: "-c client_encoding=GBK" });
      expect(refusal.message).toContain('client_encoding "GBK" is not supported');
    });

    it("[one-reading] options=--client-encoding=SJIS (dashes read as underscores) is refused", async () => {
      const refusal = await startupRefusal({ options: "--client-encoding=SJIS" });
      expect(refusal.message).toContain('client_encoding "SJIS" is not supported');
    });

    it("[one-reading] psql on a C-locale terminal (client_encoding=SQL_ASCII) runs in UTF8", async () => {
      const result = await run("psql", ["-X", "-At", "-c", "SHOW client_encoding", harness.url], {
        env: { PGCLIENTENCODING: "SQL_ASCII" },
      });
      expect(result.stderr).toBe("");
      expect(result.stdout.trim()).toBe("UTF8");
    });

    it("[one-reading] RESET, RESET ALL, SET TO DEFAULT and DISCARD ALL return to UTF8", async () => {
      const outcomes = await inSession(
        "SET client_encoding = 'unicode'",
        "RESET client_encoding",
        "SHOW client_encoding",
        "RESET ALL",
        "SET client_encoding TO DEFAULT",
        "DISCARD ALL",
        "SHOW client_encoding",
      );
      expect(outcomes.map(verdictOf)).toEqual(Array(7).fill("allow"));
      expect(outcomes[2]?.rows).toEqual([["UTF8"]]);
      expect(outcomes[6]?.rows).toEqual([["UTF8"]]);
    });

    it("[one-reading] ALTER ROLE ... SET client_encoding cannot change a gateway session", async () => {
      await admin.query(`ALTER ROLE ${upstream.user} SET client_encoding = 'GBK'`);
      try {
        // RESET returns to the login's value, not the role's: the startup parameter outranks it.
        const outcomes = await inSession(
          "SHOW client_encoding",
          "RESET client_encoding",
          "RESET ALL",
          "DISCARD ALL",
          "SET client_encoding TO DEFAULT",
          "SHOW client_encoding",
          EURO_DELETE,
          GBK_DELETE,
        );
        expect(outcomes[0]?.rows).toEqual([["UTF8"]]);
        expect(outcomes[5]?.rows).toEqual([["UTF8"]]);
        expect(outcomes[6]?.tags).toEqual(["SELECT 1"]);
        expect(verdictOf(outcomes[7] as Outcome)).toBe("22021");
      } finally {
        await admin.query(`ALTER ROLE ${upstream.user} RESET client_encoding`);
      }
      expect(await ordersLeft()).toBe(ORDERS);
    });
  });

  describe("standard_conforming_strings", () => {
    for (const statement of [
      "SET standard_conforming_strings = off",
      "SET LOCAL standard_conforming_strings TO false",
      "SELECT set_config('standard_conforming_strings', 'off', false)",
    ]) {
      it(`[one-reading] ${statement} is refused, and the backslash does not hide the DELETE`, async () => {
        const [set, attack] = await inSession(statement, BACKSLASH_DELETE);
        expect(verdictOf(set as Outcome)).toBe("sluice:pinned-setting");
        expect(verdictOf(attack as Outcome)).toBe("no-unscoped-delete");
        expect(await ordersLeft()).toBe(ORDERS);
      });
    }

    it("[one-reading] startup standard_conforming_strings=off is refused, as a parameter or in options", async () => {
      expect((await startupRefusal({ standard_conforming_strings: "off" })).message).toContain("must be on");
      expect((await startupRefusal({ options: "-c standard_conforming_strings=off" })).message).toContain(
        "must be on",
      );
    });

    it("[one-reading] ALTER DATABASE ... SET standard_conforming_strings = off cannot reach a gateway session", async () => {
      await admin.query(`ALTER DATABASE ${upstream.database} SET standard_conforming_strings = off`);
      try {
        const [show, reset, after, attack, hidden] = await inSession(
          "SHOW standard_conforming_strings",
          "RESET ALL",
          "SHOW standard_conforming_strings",
          BACKSLASH_DELETE,
          SCS_OFF_DELETE,
        );
        expect(show?.rows).toEqual([["on"]]);
        expect(verdictOf(reset as Outcome)).toBe("allow");
        expect(after?.rows).toEqual([["on"]]);
        expect(verdictOf(attack as Outcome)).toBe("no-unscoped-delete");
        expect(hidden?.tags).toEqual(["SELECT 1"]);
      } finally {
        await admin.query(`ALTER DATABASE ${upstream.database} RESET standard_conforming_strings`);
      }
      expect(await ordersLeft()).toBe(ORDERS);
    });
  });

  describe("bytes that are not UTF-8", () => {
    const invalid: Array<[string, number[]]> = [
      ["an overlong quote (0xC0 0xA7)", [0xc0, 0xa7]],
      ["an overlong backslash (0xC1 0x9C)", [0xc1, 0x9c]],
      ["a three-byte overlong quote", [0xe0, 0x80, 0xa7]],
      ["a UTF-16 surrogate", [0xed, 0xa0, 0x80]],
      ["a lone continuation byte", [0x80]],
    ];
    for (const [what, sequence] of invalid) {
      it(`[one-reading] ${what} in a Query is refused with the server's 22021 message`, async () => {
        const sql = Buffer.concat([
          text("SELECT 'x"),
          Buffer.from(sequence),
          text("'; DELETE FROM orders; --'"),
        ]);
        const server = await direct();
        const expected = await runBytes(server, sql);
        server.close();
        const [outcome, after] = await inSession(sql, "SELECT count(*) FROM orders");
        expect(expected.error?.code).toBe("22021");
        // An ERROR, as the server's: the session goes on, and the bytes never reached the upstream.
        expect(outcome?.error).toEqual(expected.error);
        expect(outcome?.isClosed).toBe(false);
        expect(after?.rows).toEqual([[String(ORDERS)]]);
        expect(await ordersLeft()).toBe(ORDERS);
      });
    }

    it("[one-reading] invalid UTF-8 in a Parse is refused with 22021", async () => {
      const client = await viaGateway();
      try {
        const body = Buffer.concat([text("s1\0"), GBK_DELETE, Buffer.from([0]), Buffer.from([0, 0])]);
        client.write(Buffer.concat([bytes.tagged("P", body), bytes.tagged("S", Buffer.alloc(0))]));
        const outcome = await readOutcome(client);
        expect(outcome.error?.code).toBe("22021");
        expect(outcome.error?.severity).toBe("ERROR");
        expect(outcome.isClosed).toBe(false);
        expect((await runBytes(client, text("SELECT 1"))).rows).toEqual([["1"]]);
      } finally {
        client.close();
      }
      expect(await ordersLeft()).toBe(ORDERS);
    });

    it("[one-reading] a text Bind value with invalid UTF-8 or a NUL is refused as the server refuses it", async () => {
      for (const value of [Buffer.from([0x41, 0xbf]), Buffer.from([0x41, 0x00, 0x42])]) {
        const bind = Buffer.concat([
          text("\0\0"),
          Buffer.from([0, 0, 0, 1]),
          int32(value.length),
          value,
          Buffer.from([0, 0]),
        ]);
        const messages = Buffer.concat([
          bytes.tagged("P", Buffer.concat([text("\0SELECT $1::text\0"), Buffer.from([0, 0])])),
          bytes.tagged("B", bind),
          bytes.tagged("E", Buffer.concat([text("\0"), int32(0)])),
          bytes.tagged("S", Buffer.alloc(0)),
        ]);
        const server = await direct();
        server.write(messages);
        const expected = await readOutcome(server);
        server.close();
        const client = await viaGateway();
        client.write(messages);
        const outcome = await readOutcome(client);
        client.close();
        expect(expected.error?.code).toBe("22021");
        expect(outcome.error).toEqual(expected.error);
        expect(outcome.isClosed).toBe(false);
      }
    });

    it("[one-reading] a NUL inside a Query ends the message where the server ends it: refused as malformed", async () => {
      const sql = Buffer.concat([text("SELECT 1;"), Buffer.from([0]), text("DELETE FROM orders")]);
      const server = await direct();
      const expected = await runBytes(server, sql);
      server.close();
      const [outcome] = await inSession(sql);
      expect(expected.error?.code).toBe("08P01");
      expect(outcome?.error?.code).toBe("08P01");
      expect(await ordersLeft()).toBe(ORDERS);
    });
  });

  describe("startup options (issue 21)", () => {
    it("[one-reading] DENY SETTING refuses a setting given at connect, in options or as a parameter, like SET", async () => {
      const [set] = await inSession("SET lock_timeout = 0");
      expect(verdictOf(set as Outcome)).toBe("no-lock-timeout");
      const configs: pg.ClientConfig[] = [
        { options: "-c lock_timeout=0" },
        { options: "--lock-timeout=5s" },
        { lock_timeout: 5000 },
      ];
      for (const config of configs) {
        const client = new pg.Client({ connectionString: harness.url, ...config });
        const error = await client.connect().then(
          () => null,
          (e: Error & { code?: string; severity?: string }) => e,
        );
        await client.end().catch(() => {});
        expect(error?.code, JSON.stringify(config)).toBe("42501");
        expect(error?.severity).toBe("FATAL");
        expect(error?.message).toMatch(
          /^the startup setting lock_timeout=\S+ is refused as SET lock_timeout would be: blocked by guardrail "no-lock-timeout"/,
        );
      }
    });

    it("[one-reading] pg can set a search path at connect with options=-c search_path=...", async () => {
      const client = new pg.Client({ connectionString: harness.url, options: "-c search_path=hr,public" });
      await client.connect();
      try {
        expect((await client.query("SHOW search_path")).rows[0].search_path).toBe("hr,public");
        expect((await client.query("SELECT id FROM people")).rows).toEqual([{ id: 7 }]);
      } finally {
        await client.end();
      }
    });

    it("[one-reading] psql's PGOPTIONS with an escaped space and a --name=value setting", async () => {
      const result = await run(
        "psql",
        ["-X", "-At", "-c", "SHOW DateStyle", "-c", "SHOW statement_timeout", harness.url],
        { env: { PGOPTIONS: "-c DateStyle=SQL,\\ DMY --statement-timeout=7s" } },
      );
      expect(result.stderr).toBe("");
      expect(result.stdout.trim().split("\n")).toEqual(["SQL, DMY", "7s"]);
    });

    for (const [options, named] of [
      ["-c role=postgres", 'setting "role"'],
      ["-c search_path=hr -c backslash_quote=on", 'setting "backslash_quote"'],
      ["-c search_path=hr -O", '"-O" is not a "-c name=value" setting'],
      ["-c session_authorization=postgres", 'setting "session_authorization"'],
    ]) {
      it(`[one-reading] options=${options} is refused, naming what`, async () => {
        const refusal = await startupRefusal({ options: options as string });
        expect(refusal.code).toBe("42501");
        expect(refusal.message).toContain(named as string);
      });
    }
  });
});
