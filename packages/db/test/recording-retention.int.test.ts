import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestStore } from "../../../test/support";
import type { PrismaClient } from "../src/prisma";
import { deleteExpiredRecordings } from "../src/recording-retention";
import { createAgent } from "../src/seed/create-agent";
import { createConnection } from "../src/seed/create-connection";

let store: { prisma: PrismaClient; drop: () => Promise<void> };
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(() => store.drop());

it("deletes recordings older than their connection's retention, keeps the sessions, and audits it", async () => {
  const { prisma } = store;
  const connection = await createConnection(prisma, {
    name: "shop",
    host: "h",
    port: 5432,
    database: "d",
    username: "u",
    secretKey: Buffer.alloc(32),
  });
  await prisma.connection.update({ where: { id: connection.id }, data: { retentionDays: 30 } });
  const { agent } = await createAgent(prisma, { name: "bot" });
  const session = (startedAt: Date) =>
    prisma.gatewaySession.create({
      data: { agentId: agent.id, connectionId: connection.id, gatewayId: "g", clientAddress: "x", startedAt },
    });
  const old = await session(new Date(Date.now() - 31 * 86_400_000));
  const recent = await session(new Date(Date.now() - 29 * 86_400_000));
  for (const { id } of [old, recent]) {
    await prisma.recordingChunk.create({
      data: { sessionId: id, seq: 0, payload: new Uint8Array([1]), eventCount: 1, prevHash: "0", hash: "h" },
    });
  }
  expect(await deleteExpiredRecordings(prisma, "gateway-test")).toBe(1);
  expect(await prisma.recordingChunk.count({ where: { sessionId: old.id } })).toBe(0);
  expect(await prisma.recordingChunk.count({ where: { sessionId: recent.id } })).toBe(1);
  expect(await prisma.gatewaySession.count()).toBe(2);
  const event = await prisma.auditEvent.findFirstOrThrow({
    where: { action: "recording.retention_deleted" },
  });
  expect(event).toMatchObject({ actorType: "SYSTEM", actorName: "gateway-test", targetId: connection.id });
  expect(await deleteExpiredRecordings(prisma, "gateway-test")).toBe(0);
});
