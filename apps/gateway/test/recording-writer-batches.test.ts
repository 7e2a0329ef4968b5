import { randomBytes } from "node:crypto";
import { unpackChunks } from "@sluice/recording/chunk-codec";
import { verifyChain } from "@sluice/recording/hash-chain";
import type { SessionInfo } from "@sluice/transport/client-connection";
import { commandComplete, readyForQuery } from "@sluice/wire/testing";
import { describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { MAX_BATCH_BYTES, MAX_BATCH_ROWS, splitBatches } from "../src/recording/chunk-batches";
import { RecordingWriter } from "../src/recording/recording-writer";
import { fakeStore } from "./support/fake-recording-store";

const INFO = {
  agent: { agentName: "agent", groups: [] },
  connection: { connectionId: "connection-1", name: "shop" },
  clientAddress: "127.0.0.1",
  isTls: false,
} as unknown as SessionInfo;

const SESSIONS = ["session-a", "session-b", "session-c"];

function recordStatement(writer: RecordingWriter, sessionId: string, n: number): void {
  writer.verdict(sessionId, `SELECT ${n}`, { kind: "allow" });
  writer.clientBytes(sessionId, Buffer.concat([commandComplete("SELECT 1"), readyForQuery("I")]));
}

/** Two flush rounds of every session, then each session's end; resolves once all is stored. */
async function recordTwoRounds(writer: RecordingWriter): Promise<void> {
  for (const sessionId of SESSIONS) await writer.start(sessionId, INFO);
  for (const round of [1, 2]) {
    for (const sessionId of SESSIONS) recordStatement(writer, sessionId, round);
    await writer.flushAll();
  }
  await Promise.all(SESSIONS.map((sessionId) => writer.end(sessionId, "client terminated the session")));
  await writer.close();
}

function expectEveryChainWhole(store: ReturnType<typeof fakeStore>, key: Buffer): void {
  for (const sessionId of SESSIONS) {
    const chunks = store.stored.filter((chunk) => chunk.sessionId === sessionId);
    // Two rounds and the end: three chunks, chained in seq order, matching the session's anchor.
    expect(verifyChain(chunks, { key, anchor: store.anchorOf(sessionId) })).toEqual({
      isVerified: true,
      chunks: 3,
    });
    const statements = unpackChunks(chunks).filter((event) => event.type === "statement");
    expect(statements.map((event) => (event as { sql: string }).sql)).toEqual(["SELECT 1", "SELECT 2"]);
  }
}

describe("recording writer: chunks of many sessions in one insert", () => {
  it("stores one flush round's chunks of every session with one insert, each chain whole", async () => {
    const key = randomBytes(32);
    const store = fakeStore(() => "store");
    const logs: string[] = [];
    // A round that lets other work run between sessions (as one with many busy sessions does)
    // still sends its chunks together.
    const writer = new RecordingWriter(store.prisma, (line) => logs.push(line), key, { flushSliceMs: 0 });
    await recordTwoRounds(writer);
    // Each round's three chunks went together. The ends' last chunks are not held for each other:
    // they go in whatever batches their compression (on the thread pool) finishing together makes.
    expect(store.batches.slice(0, 2)).toEqual([3, 3]);
    expect(store.attempts()).toBe(9);
    expect(logs).toEqual([]);
    expectEveryChainWhole(store, key);
  });

  it("tries each chunk of a refused batch again on its own, and loses none", async () => {
    const key = randomBytes(32);
    // The first batch is refused (its first row is); every later attempt is stored.
    const store = fakeStore((_call, attempt) => (attempt === 0 ? "refuse" : "store"));
    const logs: string[] = [];
    const writer = new RecordingWriter(store.prisma, (line) => logs.push(line), key, {
      retryDelaysMs: [1, 1],
    });
    await recordTwoRounds(writer);
    expect(store.batches[0]).toBe(3);
    // Three rows asked in the refused batch, three alone after it, then the later batches' six.
    expect(store.attempts()).toBe(12);
    expect(logs).toEqual([]);
    expectEveryChainWhole(store, key);
  });

  it("does not take a batch's unique violation as every chunk of it stored", async () => {
    const key = randomBytes(32);
    // One row of the first batch is there already: the batch is refused whole, its others are not.
    const store = fakeStore((_call, attempt) => (attempt === 1 ? "refuse as a duplicate" : "store"));
    const writer = new RecordingWriter(store.prisma, () => {}, key, { retryDelaysMs: [1, 1] });
    await recordTwoRounds(writer);
    expectEveryChainWhole(store, key);
  });

  it("ends the sessions of a batch the store keeps refusing, as it ends one chunk's session", async () => {
    const key = randomBytes(32);
    let isStoreBack = false;
    const store = fakeStore(() => (isStoreBack ? "store" : "refuse"));
    const ended: string[] = [];
    const writer = new RecordingWriter(store.prisma, () => {}, key, {
      retryDelaysMs: [1],
      endSession: (sessionId) => ended.push(sessionId),
    });
    for (const sessionId of SESSIONS) await writer.start(sessionId, INFO);
    for (const sessionId of SESSIONS) recordStatement(writer, sessionId, 1);
    await writer.flushAll();
    // The retry runs after flushAll's first refusal, behind its wait: its ends are awaited, not timed.
    await until(() => ended.length === SESSIONS.length, { what: "the batch's sessions ended" });
    expect(ended.sort()).toEqual(SESSIONS);
    isStoreBack = true;
    await writer.close();
    for (const sessionId of SESSIONS) {
      const chunks = store.stored.filter((chunk) => chunk.sessionId === sessionId);
      expect(verifyChain(chunks, { key, anchor: store.anchorOf(sessionId) }).isVerified).toBe(true);
    }
  });
});

describe("recording writer: an ended session's last chunk", () => {
  it("waits for the next round's insert instead of making one of its own", async () => {
    const key = randomBytes(32);
    const store = fakeStore(() => "store");
    const writer = new RecordingWriter(store.prisma, () => {}, key, { sessionRowBatchMs: 10 });
    const [ending, live] = SESSIONS as [string, string];
    for (const sessionId of [ending, live]) await writer.start(sessionId, INFO);
    for (const sessionId of [ending, live]) recordStatement(writer, sessionId, 1);
    const ended = writer.end(ending, "client terminated the session");
    // Its compression is done long before this: only the round sends it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(store.stored).toEqual([]);

    await writer.flushAll();
    await ended;

    expect(store.batches).toEqual([2]);
    expect(store.anchorOf(ending)).toMatchObject({ chunks: 1 });
    await writer.close();
  });

  it("goes at once when the writer closes", async () => {
    const key = randomBytes(32);
    const store = fakeStore(() => "store");
    const writer = new RecordingWriter(store.prisma, () => {}, key);
    const [sessionId] = SESSIONS as [string];
    await writer.start(sessionId, INFO);
    recordStatement(writer, sessionId, 1);
    const started = performance.now();
    await writer.close();
    expect(performance.now() - started).toBeLessThan(500);
    expect(verifyChain(store.stored, { key, anchor: store.anchorOf(sessionId) }).isVerified).toBe(true);
  });
});

describe("recording writer: ended sessions' rows in one update", () => {
  it("writes the anchors of sessions that end together in one statement", async () => {
    const key = randomBytes(32);
    const store = fakeStore(() => "store");
    const writer = new RecordingWriter(store.prisma, () => {}, key, { sessionRowBatchMs: 50 });
    await recordTwoRounds(writer);
    expect(store.sessionRowBatches).toEqual([3]);
    expectEveryChainWhole(store, key);
  });

  it("writes each anchor alone when the store refuses their batch, and loses none", async () => {
    const key = randomBytes(32);
    const store = fakeStore(() => "store", { isRefusingSessionRowBatches: true });
    const logs: string[] = [];
    const writer = new RecordingWriter(store.prisma, (line) => logs.push(line), key, {
      retryDelaysMs: [1, 1],
      sessionRowBatchMs: 50,
    });
    await recordTwoRounds(writer);
    expect(logs).toEqual([]);
    expectEveryChainWhole(store, key);
  });
});

describe("the size of one chunk INSERT", () => {
  const chunkOf = (bytes: number) => ({ chunk: { payload: new Uint8Array(bytes) } });

  it("splits at MAX_BATCH_ROWS rows, in order", () => {
    const waiting = Array.from({ length: 2 * MAX_BATCH_ROWS + 5 }, () => chunkOf(1));
    const batches = splitBatches(waiting);
    expect(batches.map((batch) => batch.length)).toEqual([MAX_BATCH_ROWS, MAX_BATCH_ROWS, 5]);
    expect(batches.flat()).toEqual(waiting);
  });

  it("splits at MAX_BATCH_BYTES of payload, and sends a larger chunk alone", () => {
    const half = MAX_BATCH_BYTES / 2;
    const sizes = (batches: { chunk: { payload: Uint8Array } }[][]) =>
      batches.map((batch) => batch.map((entry) => entry.chunk.payload.byteLength));
    expect(sizes(splitBatches([chunkOf(half), chunkOf(half), chunkOf(1)]))).toEqual([[half, half], [1]]);
    expect(sizes(splitBatches([chunkOf(1), chunkOf(2 * MAX_BATCH_BYTES), chunkOf(1)]))).toEqual([
      [1],
      [2 * MAX_BATCH_BYTES],
      [1],
    ]);
  });
});
