import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: false });
});
afterAll(() => harness?.stop());

/**
 * A live session of a fresh agent on a fresh connection (same upstream), both in a group of their
 * own (and in `otherGroups`, suffixed with its id), so each case revokes only its own session. Resolves `ended` with the FATAL the client reads.
 */
async function liveSession(otherGroups: string[] = []) {
  const id = randomBytes(3).toString("hex");
  const group = `grp_${id}`;
  const { agent, token } = await harness.addAgent(`agent_${id}`, [
    group,
    ...otherGroups.map((name) => `${name}_${id}`),
  ]);
  const connection = await harness.addTwinConnection(`conn_${id}`);
  const groupRow = await harness.prisma.agentGroup.findUniqueOrThrow({ where: { name: group } });
  await harness.prisma.connectionAccess.create({
    data: { connectionId: connection.id, groupId: groupRow.id },
  });
  const client = new pg.Client({ connectionString: harness.urlFor(agent.name, token, connection.name) });
  await client.connect();
  const ended = new Promise<pg.DatabaseError>((resolve) =>
    client.on("error", (e) => resolve(e as pg.DatabaseError)),
  );
  expect((await client.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);
  return { id, agent, connection, group: groupRow, client, ended };
}

/** What every revocation must show the client: a FATAL 28000 naming why, and no more queries. */
async function expectEnded(session: Awaited<ReturnType<typeof liveSession>>, reason: RegExp) {
  const error = await session.ended;
  expect(error).toMatchObject({ code: "28000", severity: "FATAL" });
  expect(error.message).toMatch(reason);
  await expect(session.client.query("SELECT 1")).rejects.toThrow();
  await session.client.end().catch(() => {});
}

describe("revocation ends live sessions for every change it claims", () => {
  it("ends the session when its connection is disabled", async () => {
    const session = await liveSession();
    await harness.prisma.connection.update({
      where: { id: session.connection.id },
      data: { isDisabled: true },
    });
    await expectEnded(session, /connection was disabled or removed, or the agent lost access/);
  });

  it("ends the session when the agent's group is removed from the connection", async () => {
    const session = await liveSession();
    await harness.prisma.connectionAccess.delete({
      where: { connectionId_groupId: { connectionId: session.connection.id, groupId: session.group.id } },
    });
    await expectEnded(session, /the agent lost access/);
  });

  it("ends the session when the agent leaves the group that gave it access", async () => {
    const session = await liveSession();
    await harness.prisma.agentGroupMember.delete({
      where: { agentId_groupId: { agentId: session.agent.id, groupId: session.group.id } },
    });
    await expectEnded(session, /the agent lost access/);
  });

  it("ends the session when the agent leaves a group that does not give it access (an exemption's)", async () => {
    const session = await liveSession(["exempt"]);
    const exempt = await harness.prisma.agentGroup.findUniqueOrThrow({
      where: { name: `exempt_${session.id}` },
    });
    await harness.prisma.agentGroupMember.delete({
      where: { agentId_groupId: { agentId: session.agent.id, groupId: exempt.id } },
    });
    await expectEnded(session, /group membership changed/);
  });

  it("ends the session when the connection is deleted", async () => {
    const session = await liveSession();
    await harness.prisma.connection.delete({ where: { id: session.connection.id } });
    await expectEnded(session, /connection was disabled or removed/);
  });

  it("ends the session when the agent is deleted", async () => {
    const session = await liveSession();
    await harness.prisma.agent.delete({ where: { id: session.agent.id } });
    await expectEnded(session, /credential was revoked or the agent was disabled/);
  });

  it("ends the session when its credential expires in the store, not one expiring later", async () => {
    const expiring = await liveSession();
    const later = await liveSession();
    // The watcher compares expiries in the store's clock (revocation-query.ts): an hour either side
    // would show a time zone taken wrong.
    for (const [session, offsetMs] of [
      [expiring, -1000],
      [later, 3_600_000],
    ] as const) {
      await harness.prisma.agentCredential.updateMany({
        where: { agentId: session.agent.id },
        data: { expiresAt: new Date(Date.now() + offsetMs) },
      });
    }
    await expectEnded(expiring, /credential was revoked or the agent was disabled/);
    // The tick that ended the expired session checked the other too: it still answers.
    expect((await later.client.query("SELECT 2 AS ok")).rows).toEqual([{ ok: 2 }]);
    await later.client.end();
  });

  it("leaves sessions that are still allowed alone", async () => {
    const kept = await liveSession();
    const revoked = await liveSession();
    await harness.prisma.connection.update({
      where: { id: revoked.connection.id },
      data: { isDisabled: true },
    });
    await expectEnded(revoked, /connection was disabled/);
    // The tick that ended the revoked session checked the kept one too: it still answers.
    expect((await kept.client.query("SELECT 2 AS ok")).rows).toEqual([{ ok: 2 }]);
    await kept.client.end();
  });
});
