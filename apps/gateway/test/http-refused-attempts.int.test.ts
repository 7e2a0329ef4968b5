import { listSessions } from "@sluice/admin/activity";
import type { AdminContext } from "@sluice/admin/actor";
import { createAgent } from "@sluice/db/seed/create-agent";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { consoleUser } from "./support/http-fixtures";
import { type HttpHarness, startHttpHarness } from "./support/http-harness";

/**
 * Calls refused before they become a session (bad token, unknown connection, no access, an
 * unreadable target) are sessions too, ended at once with their refusal, and audit events: the
 * console's sessions view lists them by the names the client gave, and never keeps a token.
 */
let harness: HttpHarness;
let auditor: AdminContext;
let outsiderToken: string;
const WRONG_TOKEN = "sl_wrong-token-that-must-never-be-stored";

beforeAll(async () => {
  harness = await startHttpHarness();
  auditor = await consoleUser(harness, {
    subject: "aud",
    email: "aud@x.test",
    idpGroups: [],
    roles: ["AUDITOR"],
  });
  outsiderToken = (await createAgent(harness.prisma, { name: "outsider", groups: ["others"] })).token;
});
afterAll(() => harness?.stop());

const call = (target: string, authorization: string) =>
  fetch(`${harness.base}${target}`, { headers: { authorization } });

/** The refused attempt written for a connection name (the write is off the request path). */
function refusedFor(claimedConnection: string) {
  return until(
    () =>
      harness.prisma.gatewaySession.findFirst({
        where: { claimedConnection, refusal: { not: null } },
        include: { agent: { select: { name: true } } },
      }),
    { what: `the refused attempt on ${claimedConnection}`, timeoutMs: 20_000 },
  );
}

async function auditOf(sessionId: string) {
  return harness.prisma.auditEvent.findFirstOrThrow({ where: { sessionId, action: "connection.refused" } });
}

describe("HTTP calls refused before a session", () => {
  it("a bad bearer token: no agent, the connection named, no token kept", async () => {
    const response = await call("/shop/customers/1", `Bearer ${WRONG_TOKEN}`);
    expect(response.status).toBe(401);
    const row = await refusedFor("shop");
    expect(row).toMatchObject({ agentId: null, claimedAgent: null, connectionId: null, deniedCount: 1 });
    expect(row.refusal).toBe("authentication failed: unknown agent or token");
    expect(row.endedAt).toEqual(row.startedAt);
    const audit = await auditOf(row.id);
    expect(audit.actorName).toBe("(no agent named)");
    const stored = JSON.stringify({ row, audit }, (_key, value) =>
      typeof value === "bigint" ? String(value) : value,
    );
    expect(stored).not.toContain(WRONG_TOKEN);
  });

  it("a known agent's name with a wrong password (basic auth) keeps the name", async () => {
    const basic = Buffer.from(`agent-a:${WRONG_TOKEN}`).toString("base64");
    expect((await call("/basic-target/customers/1", `Basic ${basic}`)).status).toBe(401);
    const row = await refusedFor("basic-target");
    expect(row).toMatchObject({ claimedAgent: "agent-a", agentId: null });
    expect(JSON.stringify(row)).not.toContain(WRONG_TOKEN);
  });

  it("an unknown connection: the agent known, the connection as named", async () => {
    expect((await call("/nowhere/customers/1", `Bearer ${harness.token}`)).status).toBe(404);
    const row = await refusedFor("nowhere");
    expect(row).toMatchObject({
      agentId: harness.agent.id,
      connectionId: null,
      refusal: "no HTTP connection named nowhere",
    });
    expect((await auditOf(row.id)).actorName).toBe("agent-a");
  });

  it("an agent without access: both known", async () => {
    const response = await call("/shop/customers/1", `Bearer ${outsiderToken}`);
    expect(response.status).toBe(403);
    const row = await until(
      () =>
        harness.prisma.gatewaySession.findFirst({
          where: { claimedAgent: "outsider", refusal: { not: null } },
        }),
      { what: "the outsider's refused attempt", timeoutMs: 20_000 },
    );
    expect(row).toMatchObject({
      connectionId: harness.connection.id,
      refusal: "agent outsider may not use connection shop",
    });
  });

  it("an unreadable target, under the connection name it gave", async () => {
    expect((await call("/oddity/customers//1", `Bearer ${harness.token}`)).status).toBe(400);
    const row = await refusedFor("oddity");
    expect(row.agentId).toBe(harness.agent.id);
  });

  it("the sessions list shows refused attempts by the names given, and filters by them", async () => {
    await refusedFor("nowhere");
    const listed = await listSessions(auditor, { query: { connection: "nowhere" } });
    expect(listed.sessions).toHaveLength(1);
    expect(listed.sessions[0]).toMatchObject({
      agentName: "agent-a",
      connectionName: "nowhere",
      deniedCount: 1,
    });
    expect(listed.sessions[0]?.endReason).toContain("no HTTP connection named nowhere");
    const byAgent = await listSessions(auditor, { query: { agent: "agent-a", connection: "basic" } });
    expect(byAgent.sessions.map((session) => session.connectionName)).toEqual(["basic-target"]);
  });
});
