import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "./support/gateway-harness";
import {
  BACKSLASH_DELETE,
  EURO_DELETE,
  GBK_DELETE,
  type OneReadingStage,
  ORDERS,
  SCS_OFF_DELETE,
  startOneReadingStage,
  verdictOf,
} from "./support/one-reading-stage";
import { bytes, int32 } from "./support/raw-client";
import { type Outcome, readOutcome, runBytes } from "./support/raw-outcome";
import type { UpstreamLogin } from "./support/side-by-side";

/**
 * Bypass corpus, class "one reading": every way to make the server read a statement's bytes
 * differently from the gateway (client_encoding, standard_conforming_strings, invalid UTF-8),
 * through the real gateway, with the upstream's rows checked after each attempted write. What an
 * agent may set at connect is in bypass-one-reading-startup.int.test.ts.
 */
let stage: OneReadingStage;
let harness: Harness;
let upstream: UpstreamLogin;
let admin: pg.Client;
beforeAll(async () => {
  stage = await startOneReadingStage();
  ({ harness, upstream, admin } = stage);
});
afterAll(() => stage?.stop());

const viaGateway = () => stage.viaGateway();
const direct = () => stage.direct();
const ordersLeft = () => stage.ordersLeft();
const inSession = (...statements: Array<string | Buffer>) => stage.inSession(...statements);
const startupRefusal = (params: Record<string, string>) => stage.startupRefusal(params);
const text = (sql: string) => Buffer.from(sql);

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
});
