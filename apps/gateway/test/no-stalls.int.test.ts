import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: false });
});
afterAll(() => harness?.stop());

/**
 * A valid statement of about `bytes` bytes: a long IN list the gateway must parse whole. It calls a
 * function no policy knows, so the gateway refuses it after judging it and the upstream never runs
 * it: the time from sending it to its refusal is the gateway's own.
 */
function bigStatement(bytes: number): string {
  const head = "SELECT sluice_no_such_function(x) FROM (VALUES (1)) AS v(x) WHERE x IN (";
  const items: string[] = [];
  let length = head.length;
  for (let i = 0; length < bytes; i++) {
    const item = String(100_000 + i);
    items.push(item);
    length += item.length + 1;
  }
  return `${head}${items.join(",")})`;
}

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: harness.url });
  await client.connect();
  return client;
}

describe("large statements never stall other sessions", () => {
  it("keeps answering another session while 8 MB statements are judged", async () => {
    const big = await connect();
    const other = await connect();
    const statement = bigStatement(8 * 1024 * 1024);
    let isBigRunning = true;
    let completedDuringBig = 0;
    const otherLoop = (async () => {
      while (isBigRunning) {
        await other.query("SELECT 1");
        completedDuringBig++;
      }
    })();
    const outcomes: Array<{ code: string | undefined; otherProgress: number }> = [];
    for (let round = 0; round < 2; round++) {
      const before = completedDuringBig;
      const refused = (await big
        .query(statement)
        .catch((error: pg.DatabaseError) => error)) as pg.DatabaseError;
      outcomes.push({ code: refused.code, otherProgress: completedDuringBig - before });
    }
    isBigRunning = false;
    await otherLoop;
    // Judged (refused for its unknown function), not dropped or crashed on...
    expect(outcomes.map((outcome) => outcome.code)).toEqual(["42501", "42501"]);
    // ...and while each was judged, the other session's queries kept completing. On the event loop,
    // parsing blocked every socket: the other session completed only the query or two in flight.
    for (const outcome of outcomes) expect(outcome.otherProgress).toBeGreaterThanOrEqual(20);
    expect((await big.query("SELECT 2 AS ok")).rows).toEqual([{ ok: 2 }]);
    await Promise.all([big.end(), other.end()]);
  }, 120_000);

  it("refuses a statement over the size limit with 54000, and the session goes on", async () => {
    const client = await connect();
    const refused = (await client
      .query(bigStatement(17 * 1024 * 1024))
      .catch((error: pg.DatabaseError) => error)) as pg.DatabaseError;
    expect(refused).toMatchObject({ code: "54000", severity: "ERROR" });
    expect(refused.message).toMatch(/^statement too long: \d+ bytes, the gateway judges at most 16777216$/);
    expect((await client.query("SELECT 3 AS ok")).rows).toEqual([{ ok: 3 }]);
    await client.end();
  }, 120_000);
});
