import { readFileSync } from "node:fs";
import mysql from "mysql2/promise";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../test/until";
import { type Harness, startHarness } from "../support/gateway-harness";
import { createMariaStage, type MariaStage } from "../support/maria-stage";
import { gatewayMariadbTarget, mariadbCli } from "../support/mariadb-cli";

/**
 * A MySQL login at the kept-chunk bound (test/reliability/store-kept-bound.int.test.ts for the
 * Postgres path): the store takes logins but not recordings (its recording_chunks table is locked),
 * the bound is one byte, so the first chunk kept reaches it. The login is refused by the SQL paths'
 * shared check, as MySQL's retry-later answer in the packet the client expects (the `mariadb`
 * client, Connector/C, is strict about sequence ids), and served again once the chunks are stored.
 */
let harness: Harness;
let stage: MariaStage;
let locker: pg.Client;

beforeAll(async () => {
  stage = await createMariaStage("kept", (database) => `CREATE TABLE ${database}.t (id INT);`);
  harness = await startHarness({ mysqlPort: 0, maxKeptRecordingBytes: 1 });
  await stage.addConnection(harness);
  locker = new pg.Client({ connectionString: harness.storeUrl });
  await locker.connect();
});
afterAll(async () => {
  await locker?.end().catch(() => {});
  await harness?.stop();
  await stage?.drop();
});

/** `mariadb -e "SELECT 41 + 1"` through the gateway: what it printed, or the error it printed. */
const mariadbLogin = () => mariadbCli(gatewayMariadbTarget(harness, "maria"), "SELECT 41 + 1");

describe("a MySQL login at the kept-chunk bound", () => {
  it("is refused as retry-later with the bound's words, and served once the chunks are stored", async () => {
    expect(await mariadbLogin()).toEqual({ stdout: "42\n" });
    // The first login's last chunk waits for the recording's next flush round (up to a second),
    // and until it is stored it counts against the one-byte bound: log in once it has been.
    const inFlight = await until(
      () =>
        mysql
          .createConnection({
            host: "127.0.0.1",
            port: harness.gateway.mysqlPort as number,
            user: harness.agent.name,
            password: harness.token,
            database: "maria",
            ssl: { ca: readFileSync(harness.caFile as string, "utf8") },
          })
          .catch(() => null),
      {
        what: "a MySQL login once the first session's chunks are stored",
        timeoutMs: 15_000,
        intervalMs: 250,
      },
    );
    try {
      await locker.query("BEGIN; LOCK TABLE recording_chunks IN ACCESS EXCLUSIVE MODE");
      // The session's next chunk cannot be stored: kept, and the bound (one byte) is reached.
      await inFlight.query("SELECT 1");
      const refused = await until(
        async () => {
          const login = await mariadbLogin();
          return login.stderr ? login.stderr : null;
        },
        { what: "a MySQL login refused at the kept-chunk bound", timeoutMs: 15_000, intervalMs: 250 },
      );
      expect(refused).toMatch(
        /ERROR 1040 \(08004\).*the Sluice store is unavailable: this gateway keeps as many recordings for it as it may/,
      );
      await locker.query("ROLLBACK");
      const served = await until(async () => ((await mariadbLogin()).stdout === "42\n" ? true : null), {
        what: "a MySQL login once the kept chunks are stored",
        timeoutMs: 30_000,
        intervalMs: 250,
      });
      expect(served).toBe(true);
      expect(harness.logs.filter((line) => line.includes("internal error"))).toEqual([]);
    } finally {
      await locker.query("ROLLBACK").catch(() => {});
      await inFlight.end().catch(() => {});
    }
  }, 90_000);
});
