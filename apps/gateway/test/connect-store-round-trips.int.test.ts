import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { newestLiveSessionId, storedEnd } from "./support/stored-session-end";

/**
 * What an agent that connects per tool call costs the store: every statement is a round trip the
 * gateway pays for in CPU (its write, its answer's wake-up, the store client's work), and at a
 * connect per call they were most of a connect's CPU (docs/benchmarks.md, bench/gateway-cpu.ts).
 * Audit first still holds: the session's row is written before the session is ready.
 */
let harness: Harness;
let statements: string[] = [];

beforeAll(async () => {
  harness = await startHarness({ onStoreQuery: (sql) => statements.push(sql) });
});
afterAll(() => harness?.stop());

/** A login's statements: its lookups, its session row, its recording; not the periodic ones. */
function loginStatements(): string[] {
  return statements.filter(
    (sql) =>
      /FROM agents a WHERE|FROM connections c WHERE|gateway_sessions|recording_chunks/.test(sql) &&
      // The revocation watcher's tick also reads gateway_sessions (which sessions ended elsewhere).
      !sql.includes("'credential' AS kind"),
  );
}

async function connectSelectEnd(): Promise<{ beforeReady: string[]; sessionId: string }> {
  const client = new pg.Client({ connectionString: harness.url });
  await client.connect();
  const beforeReady = loginStatements();
  await client.query("SELECT 1");
  const sessionId = await newestLiveSessionId(harness);
  await client.end();
  return { beforeReady, sessionId };
}

describe("store round trips per connect", () => {
  it("reads the login in one statement, writes the session row before it is ready, and its end with the anchor", async () => {
    // The first connect logs the pooled upstream in; the one measured reuses it.
    await storedEnd(harness, (await connectSelectEnd()).sessionId);
    statements = [];

    const { beforeReady, sessionId } = await connectSelectEnd();
    const { row, verdict } = await storedEnd(harness, sessionId);
    const all = loginStatements();

    expect(beforeReady).toHaveLength(2);
    expect(beforeReady[0]).toMatch(/FROM agents a WHERE[\s\S]*FROM connections c WHERE/);
    expect(beforeReady[1]).toMatch(/^INSERT INTO gateway_sessions /);
    const after = all.slice(beforeReady.length);
    // The last chunk, then one UPDATE with the end and the recording's anchor.
    expect(after).toHaveLength(2);
    expect(after[0]).toMatch(/recording_chunks/);
    expect(after[1]).toMatch(/^UPDATE gateway_sessions s SET/);
    expect(row).toMatchObject({ endReason: "client terminated the session", statementCount: 1 });
    expect(verdict.isVerified).toBe(true);
  });

  it("writes the ends of sessions that end together in one statement", async () => {
    const clients = [0, 1, 2].map(() => new pg.Client({ connectionString: harness.url }));
    for (const client of clients) await client.connect();
    for (const client of clients) await client.query("SELECT 1");
    const ids = (
      await harness.prisma.gatewaySession.findMany({
        where: { endedAt: null },
        orderBy: { startedAt: "desc" },
        take: 3,
        select: { id: true },
      })
    ).map((session) => session.id);
    statements = [];

    await Promise.all(clients.map((client) => client.end()));
    const ends = await Promise.all(ids.map((id) => storedEnd(harness, id)));

    expect(ends.map((end) => end.verdict.isVerified)).toEqual([true, true, true]);
    expect(loginStatements().filter((sql) => sql.startsWith("UPDATE gateway_sessions"))).toHaveLength(1);
  });
});
