import http from "node:http";
import { createAgent } from "@sluice/db/seed/create-agent";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until as waitUntil } from "../../../test/until";
import { createHttpConnection } from "./support/http-fixtures";
import { type HttpHarness, startHttpHarness } from "./support/http-harness";

let harness: HttpHarness;
type Refusal = { error: { rule: string; message: string } };

const until = <T>(probe: () => Promise<T | null | undefined | false>, what: string) =>
  waitUntil(probe, { what, timeoutMs: 20_000, intervalMs: 100 });

beforeAll(async () => {
  harness = await startHttpHarness();
  // The same upstream under a connection that gives it 1 s to answer or to go silent.
  await createHttpConnection(harness, { name: "quick", httpTimeoutSeconds: 1 });
  await harness.reloadPolicy();
});
afterAll(() => harness?.stop());

/** A GET on its own socket whose body is read as it comes; `ended` says how the stream ended. */
function streamingGet(target: string, token: string) {
  return new Promise<{ status: number; firstChunk: string; ended: Promise<"complete" | "cut"> }>(
    (resolve, reject) => {
      const url = new URL(`${harness.base}${target}`);
      const request = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          agent: false,
          headers: { authorization: `Bearer ${token}` },
        },
        (response) => {
          const ended = new Promise<"complete" | "cut">((done) => {
            response.on("end", () => done(response.complete ? "complete" : "cut"));
            response.on("aborted", () => done("cut"));
            response.on("error", () => done("cut"));
            response.on("close", () => done(response.complete ? "complete" : "cut"));
          });
          response.once("data", (chunk: Buffer) =>
            resolve({ status: response.statusCode ?? 0, firstChunk: chunk.toString(), ended }),
          );
        },
      );
      request.on("error", reject);
      request.end();
    },
  );
}

describe("HTTP per-connection timeouts", () => {
  it("an upstream slower than the connection's timeout gets a 504 naming it", async () => {
    const response = await harness.call("/quick/slow?ms=4000");
    expect(response.status).toBe(504);
    expect(((await response.json()) as Refusal).error.message).toBe("the upstream did not answer within 1 s");
  });

  it("the default leaves the same upstream time to answer", async () => {
    const response = await harness.call("/shop/slow?ms=1500");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it("a stream that goes silent past the connection's timeout is cut, never completed", async () => {
    const call = await streamingGet("/quick/stall", harness.token);
    expect(call.status).toBe(200);
    expect(call.firstChunk).toContain('"customers"');
    expect(await call.ended).toBe("cut");
  });
});

describe("HTTP revocation reaches cached tokens and calls in flight", () => {
  async function freshAgent(name: string) {
    const created = await createAgent(harness.prisma, { name, groups: ["analysts"] });
    const call = (target: string) =>
      fetch(`${harness.base}${target}`, { headers: { authorization: `Bearer ${created.token}` } });
    expect((await call("/shop/customers/1")).status).toBe(200);
    return { ...created, call };
  }

  it("a revoked token is refused although its verification is cached for a minute", async () => {
    const agent = await freshAgent("revoked-http");
    await harness.prisma.agentCredential.updateMany({
      where: { agentId: agent.agent.id },
      data: { revokedAt: new Date() },
    });
    // The token cache keeps a verification 60 s: a refusal inside this wait is the watcher's doing.
    await until(async () => (await agent.call("/shop/customers/1")).status === 401, "the token refused");
  });

  it("a revoked token is refused on the keep-alive socket that was verified with it", async () => {
    const agent = await freshAgent("revoked-kept-alive");
    // One socket for every call: the listener's per-socket verification is what is tested.
    const pool = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const call = () =>
      new Promise<{ status: number; isReused: boolean }>((resolve, reject) => {
        const request = http.get(
          `${harness.base}/shop/customers/1`,
          { agent: pool, headers: { authorization: `Bearer ${agent.token}` } },
          (response) => {
            response.resume();
            response.on("end", () =>
              resolve({ status: response.statusCode ?? 0, isReused: request.reusedSocket }),
            );
          },
        );
        request.on("error", reject);
      });
    try {
      expect(await call()).toEqual({ status: 200, isReused: false });
      expect(await call()).toEqual({ status: 200, isReused: true });
      await harness.prisma.agentCredential.updateMany({
        where: { agentId: agent.agent.id },
        data: { revokedAt: new Date() },
      });
      const refused = await until(async () => {
        const result = await call();
        return result.status === 401 && result;
      }, "the token refused on its socket");
      // Refused on the socket that had been verified, not on a new one.
      expect(refused.isReused).toBe(true);
    } finally {
      pool.destroy();
    }
  });

  it("an agent removed from the connection's groups is refused at once", async () => {
    const agent = await freshAgent("regrouped-http");
    const analysts = await harness.prisma.agentGroup.findUniqueOrThrow({ where: { name: "analysts" } });
    await harness.prisma.agentGroupMember.delete({
      where: { agentId_groupId: { agentId: agent.agent.id, groupId: analysts.id } },
    });
    const refused = await until(async () => {
      const response = await agent.call("/shop/customers/1");
      return response.status === 403 && ((await response.json()) as Refusal);
    }, "the agent refused");
    expect(refused.error.rule).toBe("sluice:access");
  });

  it("revoking ends a response that is streaming", async () => {
    const agent = await freshAgent("streaming-http");
    const call = await streamingGet("/shop/stall", agent.token);
    expect(call.status).toBe(200);
    await harness.prisma.agentCredential.updateMany({
      where: { agentId: agent.agent.id },
      data: { revokedAt: new Date() },
    });
    expect(await call.ended).toBe("cut");
    await until(
      async () => harness.logs.some((line) => line.includes("ending a call of agent")),
      "the revocation logged",
    );
  });
});
