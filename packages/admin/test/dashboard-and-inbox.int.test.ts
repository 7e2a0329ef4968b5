import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listSessions } from "../src/activity";
import type { AdminContext } from "../src/actor";
import { dashboardOverview } from "../src/dashboard-overview";
import { listReviews } from "../src/review-list";
import { type AdminStore, createAdminStore } from "./support/admin-store";

const KEY = Buffer.alloc(32, 9);
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

describe("the dashboard overview and the reviewer's inbox, against a real store", () => {
  let store: AdminStore;
  let admin: AdminContext;
  let reviewer: AdminContext;

  beforeAll(async () => {
    store = await createAdminStore({
      roles: [
        { idpGroup: "admins", role: "ADMIN" },
        { idpGroup: "reviewers", role: "REVIEWER" },
      ],
      secretKey: KEY,
    });
    const db = store.prisma;
    admin = await store.contextFor("ada@example.test", ["admins"]);
    reviewer = await store.contextFor("rey@example.test", ["reviewers"]);
    const connection = await db.connection.create({
      data: { name: "Shop_Main", host: "127.0.0.1", port: 5432, database: "shop", username: "u" },
    });
    const busy = await db.agent.create({ data: { name: "Report-Bot" } });
    const quiet = await db.agent.create({ data: { name: "helper" } });
    const session = (agentId: string, tables: string[], denied: number, endedAt: Date | null) =>
      db.gatewaySession.create({
        data: {
          agentId,
          connectionId: connection.id,
          gatewayId: "gw-1",
          clientAddress: "127.0.0.1",
          statementCount: 3,
          deniedCount: denied,
          tablesTouched: tables,
          endedAt,
        },
      });
    const first = await session(busy.id, ["public.customers", "public.orders"], 1, minutesAgo(1));
    await session(busy.id, ["public.customers"], 0, null);
    await session(quiet.id, [], 0, minutesAgo(2));
    await db.auditEvent.createMany({
      data: [
        {
          actorType: "AGENT",
          actorName: "Report-Bot",
          action: "statement.denied",
          sessionId: first.id,
          metadata: { rule: "no-drop", statement: "DROP TABLE orders" },
        },
        {
          actorType: "AGENT",
          actorName: "Report-Bot",
          action: "statement.denied",
          sessionId: first.id,
          metadata: { rule: "no-drop", statement: "DROP TABLE x" },
        },
        {
          actorType: "AGENT",
          actorName: "helper",
          action: "statement.denied",
          metadata: { rule: "sluice:parse-error", statement: "SELEC" },
        },
      ],
    });
    const review = (status: "PENDING" | "APPROVED" | "DENIED", requestedAt: Date, decidedAt: Date | null) =>
      db.review.create({
        data: {
          status,
          agentId: busy.id,
          connectionId: connection.id,
          statement: `SELECT ${status}`,
          statementHash: `${status}-${requestedAt.getTime()}`,
          requestedAt,
          expiresAt: new Date(requestedAt.getTime() + 60 * 60_000),
          decidedAt,
        },
      });
    // Decided in an order that differs from both the enum order and the request order.
    await review("DENIED", minutesAgo(50), minutesAgo(5));
    await review("APPROVED", minutesAgo(40), minutesAgo(30));
    await review("APPROVED", minutesAgo(45), minutesAgo(1));
    await review("PENDING", minutesAgo(3), null);
    await review("PENDING", minutesAgo(10), null);
    await db.gatewayHeartbeat.createMany({
      data: [
        { gatewayId: "gw-1", seenAt: new Date() },
        { gatewayId: "gw-gone", seenAt: minutesAgo(10) },
      ],
    });
  });
  afterAll(async () => {
    await store.drop();
  });

  it("ranks agents, tables and refusing rules, and says which gateways are alive with their open sessions", async () => {
    const overview = await dashboardOverview(admin);
    expect(overview.days).toHaveLength(14);
    expect(overview.topAgents?.[0]).toEqual({ name: "Report-Bot", sessions: 2, statements: 6, denied: 1 });
    expect(overview.topTables).toEqual([
      { name: "public.customers", count: 2 },
      { name: "public.orders", count: 1 },
    ]);
    expect(overview.topRules?.[0]).toEqual({ name: "no-drop", count: 2 });
    expect(overview.recentDenials?.[0]).toMatchObject({ agentName: "helper", rule: "sluice:parse-error" });
    expect(overview.pendingReviews?.count).toBe(2);
    expect(overview.health.gateways).toEqual([
      expect.objectContaining({ id: "gw-1", isAlive: true, openSessions: 1 }),
      expect.objectContaining({ id: "gw-gone", isAlive: false, openSessions: 0 }),
    ]);
  });

  it("shows a reviewer pending reviews and health, but not other agents' sessions or statements", async () => {
    const overview = await dashboardOverview(reviewer);
    expect(overview.pendingReviews?.count).toBe(2);
    expect(overview.topAgents).toBeNull();
    expect(overview.topTables).toBeNull();
    expect(overview.topRules).toBeNull();
    expect(overview.recentDenials).toBeNull();
    expect(overview.health.gateways).toHaveLength(2);
  });

  it("lists pending reviews oldest first, then decisions newest first, filtered by status", async () => {
    const all = await listReviews(reviewer, { query: {} });
    expect(all.map((review) => review.status)).toEqual([
      "PENDING",
      "PENDING",
      "APPROVED",
      "DENIED",
      "APPROVED",
    ]);
    expect(all[0]?.requestedAt.getTime()).toBeLessThan(all[1]?.requestedAt.getTime() ?? 0);
    const decided = await listReviews(reviewer, { query: { status: "decided" } });
    expect(decided.map((review) => review.decidedAt?.getTime())).toEqual(
      [...decided.map((review) => review.decidedAt?.getTime())].sort((a, b) => (b ?? 0) - (a ?? 0)),
    );
    expect(
      (await listReviews(reviewer, { query: { status: "pending" } })).every((r) => r.status === "PENDING"),
    ).toBe(true);
  });

  it("finds sessions by part of an agent's or connection's name, in any case", async () => {
    const byAgent = await listSessions(admin, { query: { agent: "report" } });
    expect(byAgent.sessions).toHaveLength(2);
    const byConnection = await listSessions(admin, { query: { connection: "shop_main" } });
    expect(byConnection.sessions).toHaveLength(3);
  });
});
