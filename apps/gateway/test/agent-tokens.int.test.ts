import { randomBytes } from "node:crypto";
import { issueAgentCredential } from "@sluice/db/seed/issue-agent-credential";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";

let harness: Harness;
const suffix = randomBytes(3).toString("hex");

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.stop();
});

async function connect(agentName: string, token: string) {
  const client = new pg.Client({ connectionString: harness.urlFor(agentName, token) });
  await client.connect();
  return client;
}

describe("an agent with several live tokens", () => {
  it("accepts each of them (issue without rotating, or a rotation's grace window)", async () => {
    const { agent, token: first } = await harness.addAgent(`two-tokens-${suffix}`, ["analysts"]);
    const { token: second } = await issueAgentCredential(harness.prisma, agent.id);
    for (const token of [first, second]) {
      const client = await connect(agent.name, token);
      expect((await client.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);
      await client.end();
    }
    const wrong = await connect(agent.name, `${second}x`).catch((error: Error) => error);
    expect(wrong).toMatchObject({ code: "28P01" });
  });

  it("ends only the sessions of the token that was revoked", async () => {
    const { agent, token: first, credential } = await harness.addAgent(`revoke-one-${suffix}`, ["analysts"]);
    const { token: second } = await issueAgentCredential(harness.prisma, agent.id);
    const onFirst = await connect(agent.name, first);
    const onSecond = await connect(agent.name, second);
    const ended = new Promise<Error>((resolve) => onFirst.on("error", resolve));
    await harness.prisma.agentCredential.update({
      where: { id: credential.id },
      data: { revokedAt: new Date() },
    });
    expect((await ended).message).toContain("credential was revoked");
    // The other token's session is untouched, checked after the watcher has acted on the first.
    expect((await onSecond.query("SELECT 2 AS ok")).rows).toEqual([{ ok: 2 }]);
    await onSecond.end();
    const again = await connect(agent.name, first).catch((error: Error) => error);
    expect(again).toMatchObject({ code: "28P01" });
  });
});
