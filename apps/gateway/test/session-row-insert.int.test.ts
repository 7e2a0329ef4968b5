import { createPrisma, type PrismaClient } from "@sluice/db/prisma";
import { createAgent } from "@sluice/db/seed/create-agent";
import { createConnection } from "@sluice/db/seed/create-connection";
import { storeStatementsOf } from "@sluice/db/store-statements";
import { afterAll, beforeAll, expect, it } from "vitest";
import { adminQuery, createTestStore } from "../../../test/support";
import { insertSessionRow } from "../src/session-row-insert";

let store: { url: string; prisma: PrismaClient; drop: () => Promise<void> };
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(() => store.drop());

it("writes the row Prisma's create wrote, started at the gateway's time whatever the store's time zone", async () => {
  // A store whose sessions run in another zone: CURRENT_TIMESTAMP in a `timestamp` column is local time.
  const database = new URL(store.url).pathname.slice(1);
  await adminQuery(store.url, `ALTER DATABASE "${database}" SET timezone = 'America/New_York'`);
  const prisma = createPrisma(store.url);
  try {
    const connection = await createConnection(prisma, {
      name: "shop",
      host: "h",
      port: 5432,
      database: "d",
      username: "u",
      secretKey: Buffer.alloc(32),
    });
    const { agent } = await createAgent(prisma, { name: "bot", groups: ["analysts"] });
    const before = Date.now();
    const id = await insertSessionRow(storeStatementsOf(prisma), {
      agentId: agent.id,
      connectionId: connection.id,
      gatewayId: "gw",
      clientAddress: "10.0.0.1",
      isTls: true,
      agentGroups: ["analysts", "oncall"],
    });
    const row = await prisma.gatewaySession.findUniqueOrThrow({ where: { id } });

    expect(row).toMatchObject({
      agentId: agent.id,
      connectionId: connection.id,
      gatewayId: "gw",
      clientAddress: "10.0.0.1",
      isTls: true,
      agentGroups: ["analysts", "oncall"],
      endedAt: null,
      statementCount: 0,
      deniedCount: 0,
      heldCount: 0,
      maskedCount: 0,
      tablesTouched: [],
    });
    expect(row.startedAt.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(row.startedAt.getTime()).toBeLessThanOrEqual(Date.now());
  } finally {
    await prisma.$disconnect();
  }
});
