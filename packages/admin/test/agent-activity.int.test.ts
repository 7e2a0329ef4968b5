import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminContext } from "../src/actor";
import { agentActivity } from "../src/agent-activity";
import { type AdminStore, createAdminStore } from "./support/admin-store";

const KEY = Buffer.alloc(32, 7);
const NOW = new Date("2026-12-04T12:00:00Z");
const before = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);

describe("an agent's activity, against a real store", () => {
  let store: AdminStore;
  let admin: AdminContext;
  let reviewer: AdminContext;
  const ids: Record<string, string> = {};

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
      data: { name: "shop", host: "127.0.0.1", port: 5432, database: "shop", username: "u" },
    });
    const busy = await db.agent.create({ data: { name: "report-bot" } });
    const other = await db.agent.create({ data: { name: "other-bot" } });
    const idle = await db.agent.create({ data: { name: "idle-bot" } });
    const used = await db.agent.create({ data: { name: "used-bot" } });
    Object.assign(ids, { busy: busy.id, other: other.id, idle: idle.id, used: used.id });
    await db.agentCredential.create({
      data: { agentId: used.id, scramVerifier: "x", fingerprint: "abcd", lastUsedAt: before(90) },
    });
    const session = (agentId: string, startedAt: Date, endedAt: Date | null, denied = 0) =>
      db.gatewaySession.create({
        data: {
          agentId,
          connectionId: connection.id,
          gatewayId: "gw",
          clientAddress: "127.0.0.1",
          startedAt,
          endedAt,
          statementCount: 4,
          deniedCount: denied,
          maskedCount: 1,
        },
      });
    const denied = await session(busy.id, before(30), before(20), 1);
    await session(busy.id, before(10), before(5));
    // Older than the 30-day totals window: listed among sessions, not counted in totals.
    await session(busy.id, before(60 * 24 * 40), before(60 * 24 * 40 - 1));
    const otherSession = await session(other.id, before(3), null);
    // A refused attempt (a wrong token) by the busy agent: listed, not counted as a session.
    await db.gatewaySession.create({
      data: {
        agentId: busy.id,
        claimedConnection: "shop",
        refusal: "password authentication failed",
        gatewayId: "gw",
        clientAddress: "127.0.0.1",
        startedAt: before(2),
        endedAt: before(2),
      },
    });
    await db.auditEvent.createMany({
      data: [
        {
          actorType: "AGENT",
          // The name at the time; the agent was renamed since. Denials follow the session, not the name.
          actorName: "old-name",
          action: "statement.denied",
          sessionId: denied.id,
          metadata: { rule: "no-delete", message: "DELETE needs a WHERE", statement: "DELETE FROM orders" },
        },
        {
          actorType: "AGENT",
          actorName: "other-bot",
          action: "statement.denied",
          sessionId: otherSession.id,
          metadata: { rule: "no-drop", statement: "DROP TABLE x" },
        },
      ],
    });
  });

  afterAll(async () => {
    await store?.drop();
  });

  it("lists the agent's own sessions newest first, with 30-day totals and its denials only", async () => {
    const activity = await agentActivity(admin, { agentId: ids.busy ?? "", now: NOW });
    expect(activity.agentName).toBe("report-bot");
    expect(activity.sessions).toHaveLength(4);
    expect(activity.sessions[0]).toMatchObject({
      connectionName: "shop",
      refusal: "password authentication failed",
    });
    expect(activity.sessions.map((session) => session.endedAt?.toISOString())).toEqual([
      before(2).toISOString(),
      before(5).toISOString(),
      before(20).toISOString(),
      before(60 * 24 * 40 - 1).toISOString(),
    ]);
    expect(activity.totals).toEqual({ days: 30, sessions: 2, statements: 8, denied: 1, held: 0, masked: 2 });
    expect(activity.denials).toEqual([
      expect.objectContaining({
        rule: "no-delete",
        statement: "DELETE FROM orders",
        message: "DELETE needs a WHERE",
      }),
    ]);
    expect(activity.liveSessions).toBe(0);
    expect(activity.lastSeenAt?.toISOString()).toBe(before(2).toISOString());
  });

  it("says an agent with a live session is seen now", async () => {
    const activity = await agentActivity(admin, { agentId: ids.other ?? "", now: NOW });
    expect(activity.liveSessions).toBe(1);
    expect(activity.lastSeenAt?.toISOString()).toBe(NOW.toISOString());
    expect(activity.denials.map((denial) => denial.rule)).toEqual(["no-drop"]);
  });

  it("falls back on a credential's last use, and says never for an agent never seen", async () => {
    expect(
      (await agentActivity(admin, { agentId: ids.used ?? "", now: NOW })).lastSeenAt?.toISOString(),
    ).toBe(before(90).toISOString());
    const idle = await agentActivity(admin, { agentId: ids.idle ?? "", now: NOW });
    expect(idle.lastSeenAt).toBeNull();
    expect(idle.totals.sessions).toBe(0);
  });

  it("refuses a role that may not read sessions, and an unknown agent", async () => {
    await expect(agentActivity(reviewer, { agentId: ids.busy ?? "" })).rejects.toMatchObject({
      kind: "forbidden",
    });
    await expect(agentActivity(admin, { agentId: "nope" })).rejects.toMatchObject({ kind: "not_found" });
  });
});
