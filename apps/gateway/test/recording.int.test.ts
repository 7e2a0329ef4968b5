import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { unpackChunk } from "@sluice/recording/chunk-codec";
import type { RecordingEvent } from "@sluice/recording/events";
import { verifyChain } from "@sluice/recording/hash-chain";
import { deriveKey, RECORDING_CHAIN_PURPOSE } from "@sluice/secrets/derive-key";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { type Harness, startHarness } from "./support/gateway-harness";
import { run } from "./support/run";

let harness: Harness;
const SSNS = ["123-45-6789", "987-65-4321"];

async function recordingOf(sessionId: string): Promise<RecordingEvent[]> {
  const { chunks, events } = await until(
    async () => {
      const chunks = await harness.prisma.recordingChunk.findMany({
        where: { sessionId },
        orderBy: { seq: "asc" },
      });
      const events = chunks.flatMap((chunk) => unpackChunk(chunk.payload));
      return events.at(-1)?.type === "end" ? { chunks, events } : null;
    },
    { what: "the recording's end event", intervalMs: 100 },
  );
  const key = deriveKey(harness.secretKey, RECORDING_CHAIN_PURPOSE);
  expect(verifyChain(chunks, { key })).toEqual({ isVerified: true, chunks: chunks.length });
  // Without the deployment's key the chain cannot be recomputed, so it does not verify.
  expect(verifyChain(chunks).isVerified).toBe(false);
  return events;
}

async function lastSession(agentName: string) {
  return harness.prisma.gatewaySession.findFirstOrThrow({
    where: { agent: { name: agentName } },
    orderBy: { startedAt: "desc" },
  });
}

beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: false });
  const direct = new pg.Client({ connectionString: harness.upstreamAdminUrl });
  await direct.connect();
  const role = decodeURIComponent(new URL(harness.directUrl).username);
  await direct.query(`
    CREATE TABLE customers (id int PRIMARY KEY, name text, ssn text);
    INSERT INTO customers VALUES (1, 'Ada', '${SSNS[0]}'), (2, 'Bo', '${SSNS[1]}');
    CREATE TABLE big (id int, filler text);
    INSERT INTO big SELECT g, repeat('x', 1000) FROM generate_series(1, 3000) g;
    GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};`);
  await direct.end();
  const shop = await harness.prisma.connection.update({
    where: { name: harness.connectionName },
    data: { recordResultBytes: 64 * 1024 },
  });
  await harness.prisma.maskingRule.create({
    data: { connectionId: shop.id, name: "ssn", columnSelector: "public.customers.ssn", strategy: "REDACT" },
  });
  await harness.prisma.guardrailRule.create({
    data: { connectionId: shop.id, name: "no-drop", kind: "STATEMENT_KIND", match: { kinds: ["DROP"] } },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
});
afterAll(() => harness?.stop());

describe("session recording", () => {
  it("records a pg session as the agent received it (masked), chained and verified", async () => {
    const client = new pg.Client({ connectionString: harness.url });
    await client.connect();
    const masked = await client.query("SELECT name, ssn FROM customers ORDER BY id");
    expect(masked.rows).toEqual([
      { name: "Ada", ssn: "[REDACTED]" },
      { name: "Bo", ssn: "[REDACTED]" },
    ]);
    await expect(client.query("DROP TABLE customers")).rejects.toThrow(/no-drop/);
    const big = await client.query("SELECT id, filler FROM big");
    expect(big.rowCount).toBe(3000);
    await client.end();

    const session = await lastSession(harness.agent.name);
    const events = await recordingOf(session.id);
    const text = JSON.stringify(events);
    for (const ssn of SSNS) expect(text).not.toContain(ssn);
    expect(events[0]).toMatchObject({
      type: "connect",
      agent: harness.agent.name,
      connection: harness.connectionName,
      isTls: false,
    });
    const rows = events.filter((event) => event.type === "row" && event.n === 1);
    expect(rows.map((event) => (event.type === "row" ? event.values : null))).toEqual([
      ["Ada", "[REDACTED]"],
      ["Bo", "[REDACTED]"],
    ]);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "verdict",
        n: 1,
        kind: "allow",
        maskedTables: expect.arrayContaining(["public.customers"]),
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: "verdict", n: 2, kind: "deny", rule: "no-drop" }),
    );
    expect(events).toContainEqual(expect.objectContaining({ type: "error", n: 2, code: "42501" }));
    // The per-statement cap: rows past 64 KiB are counted, not recorded.
    const complete = events.find((event) => event.type === "complete" && event.n === 3);
    expect(complete).toMatchObject({ rows: 3000 });
    expect(complete && complete.type === "complete" ? complete.truncatedRows : 0).toBeGreaterThan(2900);
    expect(events.at(-1)).toMatchObject({ type: "end" });
    const ended = await until(async () => {
      const row = await harness.prisma.gatewaySession.findUniqueOrThrow({ where: { id: session.id } });
      return row.endedAt ? row : null;
    });
    expect(ended.tablesTouched).toEqual(expect.arrayContaining(["customers", "public.customers", "big"]));
    const anchored = await until(async () => {
      const row = await harness.prisma.gatewaySession.findUniqueOrThrow({ where: { id: session.id } });
      return row.recordingHash ? row : null;
    });
    const chunks = await harness.prisma.recordingChunk.findMany({
      where: { sessionId: session.id },
      orderBy: { seq: "asc" },
    });
    expect(anchored).toMatchObject({ recordingChunks: chunks.length, recordingHash: chunks.at(-1)?.hash });
    expect(ended).toMatchObject({ statementCount: 3, deniedCount: 1, maskedCount: 1 });
  });

  it("records a psql session statement by statement", async () => {
    const result = await run("psql", [
      "-X",
      "-c",
      "SELECT count(*) FROM customers",
      "-c",
      "SELECT ssn FROM customers WHERE id = 1",
      harness.url,
    ]);
    expect(result.stdout).toContain("[REDACTED]");
    const session = await lastSession(harness.agent.name);
    const events = await recordingOf(session.id);
    expect(
      events
        .filter((event) => event.type === "statement")
        .map((event) => (event.type === "statement" ? event.sql : "")),
    ).toEqual(["SELECT count(*) FROM customers", "SELECT ssn FROM customers WHERE id = 1"]);
    expect(JSON.stringify(events)).not.toContain(SSNS[0]);
  });
});
