import { randomBytes } from "node:crypto";
import { unpackChunks } from "@sluice/recording/chunk-codec";
import { verifyChain } from "@sluice/recording/hash-chain";
import type { SessionInfo } from "@sluice/transport/client-connection";
import { commandComplete, readyForQuery } from "@sluice/wire/testing";
import { describe, expect, it, vi } from "vitest";
import { until } from "../../../test/until";
import { STORE_UNREACHABLE_REASON } from "../src/recording/recording-limits";
import { RecordingWriter } from "../src/recording/recording-writer";
import { fakeStore } from "./support/fake-recording-store";

/** Set by a test to make compression fail for the chunks packed while it is set. */
const packing = vi.hoisted(() => ({ shouldFail: false }));

vi.mock("@sluice/recording/chunk-codec", async (importOriginal) => {
  const codec = await importOriginal<typeof import("@sluice/recording/chunk-codec")>();
  return {
    ...codec,
    packChunk: (ndjson: string | Buffer) =>
      packing.shouldFail ? Promise.reject(new Error("deflate failed")) : codec.packChunk(ndjson),
  };
});

const SESSION = "session-1";
const INFO = {
  agent: { agentName: "agent", groups: [] },
  connection: { connectionId: "connection-1", name: "shop" },
  clientAddress: "127.0.0.1",
  isTls: false,
} as unknown as SessionInfo;

/** A statement's completion and readiness, as the relay writes them to the client. */
function completion(tag: string): Buffer {
  return Buffer.concat([commandComplete(tag), readyForQuery("I")]);
}

async function recordStatement(writer: RecordingWriter, n: number): Promise<void> {
  writer.verdict(SESSION, `SELECT ${n}`, { kind: "allow" });
  writer.clientBytes(SESSION, completion("SELECT 1"));
}

describe("recording writer", () => {
  it("stores a chunk the store refused once, and the chain verifies", async () => {
    const key = randomBytes(32);
    const store = fakeStore((_call, attempt) => (attempt === 0 ? "refuse" : "store"));
    const logs: string[] = [];
    const writer = new RecordingWriter(store.prisma, (line) => logs.push(line), key, {
      retryDelaysMs: [1, 1],
    });
    await writer.start(SESSION, INFO);
    await recordStatement(writer, 1);
    await writer.end(SESSION, "client terminated the session");
    await writer.close();

    expect(store.attempts()).toBe(2);
    expect(logs).toEqual([]);
    expect(verifyChain(store.stored, { key, anchor: store.anchor() })).toEqual({
      isVerified: true,
      chunks: 1,
    });
    expect(unpackChunks(store.stored).map((event) => event.type)).toContain("statement");
  });

  it("counts a chunk as stored when the attempt that stored it lost its answer and the retries failed", async () => {
    const key = randomBytes(32);
    // The first attempt stores the row but its answer is lost; the retries fail without saying why.
    const store = fakeStore((_call, attempt) =>
      attempt === 0 ? "store, answer lost" : attempt < 3 ? "refuse" : "store",
    );
    const logs: string[] = [];
    const writer = new RecordingWriter(store.prisma, (line) => logs.push(line), key, {
      retryDelaysMs: [1, 1],
    });
    await writer.start(SESSION, INFO);
    await recordStatement(writer, 1);
    await writer.flushAll();
    await recordStatement(writer, 2);
    await writer.end(SESSION, "client terminated the session");
    await writer.close();

    expect(logs).toEqual([]);
    expect(store.stored.map((chunk) => chunk.seq)).toEqual([0, 1]);
    expect(verifyChain(store.stored, { key, anchor: store.anchor() })).toEqual({
      isVerified: true,
      chunks: 2,
    });
  });

  it("ends the session once the retries are spent, keeps the chunk, and stores it when the store answers", async () => {
    const key = randomBytes(32);
    let isStoreBack = false;
    const store = fakeStore((call) => (call.data.seq === 1 && !isStoreBack ? "refuse" : "store"));
    const logs: string[] = [];
    const ended: string[] = [];
    const writer = new RecordingWriter(store.prisma, (line) => logs.push(line), key, {
      retryDelaysMs: [1, 1],
      endSession: (_sessionId, reason) => ended.push(reason),
    });
    await writer.start(SESSION, INFO);
    await recordStatement(writer, 1);
    await writer.flushAll(); // chunk 0
    await recordStatement(writer, 2);
    await writer.flushAll(); // chunk 1: refused past the retries
    await until(() => ended.length > 0, { what: "the session to be ended" });
    expect(ended).toEqual([STORE_UNREACHABLE_REASON]);
    await recordStatement(writer, 3);
    const ending = writer.end(SESSION, STORE_UNREACHABLE_REASON); // chunk 2 waits behind chunk 1
    isStoreBack = true;
    await ending;
    await writer.close();

    expect(logs.join("\n")).toMatch(/chunk 1 of session session-1 is not stored yet, the session is ended/);
    expect(logs.join("\n")).not.toMatch(/gap/);
    expect(store.stored.map((chunk) => chunk.seq)).toEqual([0, 1, 2]);
    expect(verifyChain(store.stored, { key, anchor: store.anchor() })).toEqual({
      isVerified: true,
      chunks: 3,
    });
  });

  it("names a chunk the store still refuses at shutdown as missing, and the next one follows the last stored", async () => {
    const key = randomBytes(32);
    const store = fakeStore((call) => (call.data.seq === 1 ? "refuse" : "store"));
    const logs: string[] = [];
    const writer = new RecordingWriter(store.prisma, (line) => logs.push(line), key, {
      retryDelaysMs: [1, 1],
    });
    await writer.start(SESSION, INFO);
    await recordStatement(writer, 1);
    await writer.flushAll(); // chunk 0
    await recordStatement(writer, 2);
    await writer.flushAll(); // chunk 1: refused until the writer closes
    await recordStatement(writer, 3);
    void writer.end(SESSION, "client terminated the session"); // chunk 2
    await writer.close();

    expect(store.stored.map((chunk) => chunk.seq)).toEqual([0, 2]);
    expect(store.stored[1]?.prevHash).toBe(store.stored[0]?.hash);
    expect(logs.join("\n")).toMatch(
      /chunk 1 of session session-1 was not stored after \d+ attempts and the gateway shut down, the recording has a gap there/,
    );
    expect(verifyChain(store.stored, { key, anchor: store.anchor() })).toMatchObject({
      isVerified: false,
      brokenAt: 1,
      reason: "chunk 1 is missing (found seq 2)",
    });
  });

  it("stops draining a session while its unstored chunks are over the bound, and catches up once the store answers", async () => {
    const key = randomBytes(32);
    const store = fakeStore((call) => (call.data.seq === 0 ? "stall" : "store"));
    const writer = new RecordingWriter(store.prisma, () => {}, key, { maxUnstoredBytes: 1 });
    await writer.start(SESSION, INFO);
    await recordStatement(writer, 1);
    await writer.flushAll(); // chunk 0 waits for the store
    const waiting = writer.unstoredBytes(SESSION);
    expect(waiting).toBeGreaterThan(0);
    for (let n = 2; n <= 5; n++) {
      await recordStatement(writer, n);
      await writer.flushAll();
    }
    // Nothing more was drained: the events wait with the recorder, which bounds them itself.
    expect(writer.unstoredBytes(SESSION)).toBe(waiting);

    store.release();
    await until(() => writer.unstoredBytes(SESSION) === 0, { what: "every chunk stored" });
    await recordStatement(writer, 6);
    await writer.end(SESSION, "client terminated the session");
    await writer.close();

    expect(verifyChain(store.stored, { key, anchor: store.anchor() })).toEqual({
      isVerified: true,
      chunks: 2,
    });
    const statements = unpackChunks(store.stored).filter((event) => event.type === "statement");
    expect(statements.map((event) => (event as { sql: string }).sql)).toEqual(
      [1, 2, 3, 4, 5, 6].map((n) => `SELECT ${n}`),
    );
  });

  it("lets other work run between sessions once a round of flushing has taken its slice", async () => {
    const key = randomBytes(32);
    const store = fakeStore(() => "stall");
    const writer = new RecordingWriter(store.prisma, () => {}, key, { flushSliceMs: 0 });
    const sessions = ["session-a", "session-b", "session-c"];
    for (const sessionId of sessions) {
      await writer.start(sessionId, INFO);
      writer.verdict(sessionId, "SELECT 1", { kind: "allow" });
    }
    const round = writer.flushAll();
    // The first session was turned into a chunk; the others wait for the event loop's next turn.
    expect(sessions.map((sessionId) => writer.unstoredBytes(sessionId) > 0)).toEqual([true, false, false]);
    // Asked again during the round (after the first session was passed): one more round follows,
    // and it takes what was recorded since.
    const firstChunk = writer.unstoredBytes("session-a");
    writer.verdict("session-a", "SELECT 2", { kind: "allow" });
    const again = writer.flushAll();
    expect(writer.flushAll()).toBe(again);
    await round;
    expect(sessions.map((sessionId) => writer.unstoredBytes(sessionId) > 0)).toEqual([true, true, true]);
    await again;
    expect(writer.unstoredBytes("session-a")).toBeGreaterThan(firstChunk);
    store.release();
    await writer.close();
    const seqs = (sessionId: string) =>
      store.stored
        .filter((chunk) => (chunk as { sessionId?: string }).sessionId === sessionId)
        .map((c) => c.seq);
    expect(sessions.map(seqs)).toEqual([
      [0, 1, 2],
      [0, 1],
      [0, 1],
    ]);
  });

  it("ends a session that goes on while its recording cannot reach the store, once", async () => {
    const key = randomBytes(32);
    const store = fakeStore(() => "stall");
    const ended: string[] = [];
    const logs: string[] = [];
    const writer = new RecordingWriter(store.prisma, (line) => logs.push(line), key, {
      maxUnstoredBytes: 1,
      maxRecorderBytes: 2000,
      endSession: (sessionId) => ended.push(sessionId),
    });
    await writer.start(SESSION, INFO);
    await recordStatement(writer, 1);
    await writer.flushAll(); // waits for the store from now on
    for (let n = 2; ended.length === 0 && n < 200; n++) {
      await recordStatement(writer, n);
      await writer.flushAll();
    }
    expect(ended).toEqual([SESSION]);
    expect(logs.join("\n")).toMatch(
      /session session-1 is ended: the session.s recording is not reaching the store/,
    );
    await recordStatement(writer, 1000);
    await writer.flushAll();
    expect(ended).toEqual([SESSION]);
    store.release();
    await writer.end(SESSION, "the recording could not keep up");
    await writer.close();
    expect(verifyChain(store.stored, { key, anchor: store.anchor() })).toEqual({
      isVerified: true,
      chunks: 2,
    });
  });

  it("keeps a chunk whose compression failed while earlier ones wait from becoming an unhandled rejection", async () => {
    const key = randomBytes(32);
    const store = fakeStore((call) => (call.data.seq === 0 ? "stall" : "store"));
    const logs: string[] = [];
    const writer = new RecordingWriter(store.prisma, (line) => logs.push(line), key);
    await writer.start(SESSION, INFO);
    await recordStatement(writer, 1);
    await writer.flushAll(); // chunk 0 waits for the store
    await recordStatement(writer, 2);
    packing.shouldFail = true;
    try {
      await writer.flushAll(); // chunk 1 fails to pack while chunk 0 waits
    } finally {
      packing.shouldFail = false;
    }
    // Node reports unhandled rejections once the microtasks of a turn have run: one turn later,
    // any there was has been reported.
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on("unhandledRejection", onRejection);
    await new Promise((resolve) => setImmediate(resolve));
    process.off("unhandledRejection", onRejection);
    expect(rejections).toEqual([]);
    store.release();
    await writer.end(SESSION, "client terminated the session");
    await writer.close();
    expect(logs.join("\n")).toMatch(
      /chunk 1 of session session-1 could not be packed: Error: deflate failed/,
    );
    expect(store.stored.map((chunk) => chunk.seq)).toEqual([0, 2]);
  });

  it("writes the end of a recording even while earlier chunks wait for the store", async () => {
    const key = randomBytes(32);
    const store = fakeStore((call) => (call.data.seq === 0 ? "stall" : "store"));
    const writer = new RecordingWriter(store.prisma, () => {}, key, { maxUnstoredBytes: 1 });
    await writer.start(SESSION, INFO);
    await recordStatement(writer, 1);
    await writer.flushAll();
    await recordStatement(writer, 2);
    const ended = writer.end(SESSION, "client terminated the session");
    store.release();
    await ended;

    expect(store.stored.map((chunk) => chunk.seq)).toEqual([0, 1]);
    const events = unpackChunks(store.stored);
    expect(events.at(-1)?.type).toBe("end");
    expect(verifyChain(store.stored, { key, anchor: store.anchor() })).toEqual({
      isVerified: true,
      chunks: 2,
    });
  });
});
