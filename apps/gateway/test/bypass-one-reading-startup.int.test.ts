import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "./support/gateway-harness";
import {
  EURO_DELETE,
  GBK_DELETE,
  type OneReadingStage,
  ORDERS,
  startOneReadingStage,
  verdictOf,
} from "./support/one-reading-stage";
import type { Outcome } from "./support/raw-outcome";
import { run } from "./support/run";
import type { UpstreamLogin } from "./support/side-by-side";

/**
 * Bypass corpus, class "one reading", at connect: client encodings and settings an agent gives in
 * its startup packet (as parameters or in options) are judged before authentication, like SET.
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

const ordersLeft = () => stage.ordersLeft();
const inSession = (...statements: Array<string | Buffer>) => stage.inSession(...statements);
const startupRefusal = (params: Record<string, string>) => stage.startupRefusal(params);

describe("bypass corpus: one reading of every byte at connect", () => {
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
