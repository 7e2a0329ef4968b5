import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { type HttpHarness, startHttpHarness } from "./support/http-harness";
import { startJsonUpstream } from "./support/json-upstream";

/**
 * Configuration reaches the HTTP listener by event: a change commits with a policy-version bump, the
 * store's NOTIFY makes the gateway reload, and the very next call sees the change. The tests wait on
 * that reload (never on a sleep) and never reload by hand, so a cache that outlives the event fails.
 */
let harness: HttpHarness;
type Refusal = { error: { rule: string; message: string } };

beforeAll(async () => {
  harness = await startHttpHarness();
});
afterAll(() => harness?.stop());

/** Commits a store change the way the console does: in one transaction with the version bump. */
async function changeAndWaitForReload(change: () => Promise<unknown>): Promise<void> {
  const before = harness.gateway.policies.version;
  await change();
  await bumpPolicyVersion(harness.prisma);
  await until(() => harness.gateway.policies.version > before, {
    what: "the gateway's reload on the policy notification",
    timeoutMs: 20_000,
  });
}

describe("HTTP configuration changes apply by event", () => {
  it("a connection moved to another upstream is called there on the next call", async () => {
    const moved = await startJsonUpstream();
    try {
      // Warms the connection cache with the old upstream.
      expect((await harness.call("/shop/customers/1")).status).toBe(200);
      const seenBefore = harness.upstream.seen.length;
      await changeAndWaitForReload(() =>
        harness.prisma.connection.update({
          where: { id: harness.connection.id },
          data: { port: moved.port },
        }),
      );
      const response = await harness.call("/shop/customers/2");
      expect(response.status).toBe(200);
      expect(moved.seen.map((call) => call.url)).toEqual(["/api/customers/2"]);
      // The Host header names the new upstream too: nothing of the old record's call is reused.
      expect(moved.seen[0]?.headers.host).toBe(`127.0.0.1:${moved.port}`);
      expect(harness.upstream.seen.length).toBe(seenBefore);
    } finally {
      await changeAndWaitForReload(() =>
        harness.prisma.connection.update({
          where: { id: harness.connection.id },
          data: { port: harness.upstream.port },
        }),
      );
      await moved.close();
    }
  });

  it("a guardrail added refuses the next call", async () => {
    expect((await harness.call("/shop/customers")).status).toBe(200);
    await changeAndWaitForReload(() =>
      harness.prisma.guardrailRule.create({
        data: {
          connectionId: harness.connection.id,
          name: "no-listing",
          kind: "HTTP_REQUEST",
          match: { path: "/customers" },
        },
      }),
    );
    const response = await harness.call("/shop/customers");
    expect(response.status).toBe(403);
    expect(((await response.json()) as Refusal).error.rule).toBe("no-listing");
  });

  it("a connection disabled answers 404 on the next call, and enabled again, 200", async () => {
    expect((await harness.call("/shop/customers/1")).status).toBe(200);
    await changeAndWaitForReload(() =>
      harness.prisma.connection.update({ where: { id: harness.connection.id }, data: { isDisabled: true } }),
    );
    expect((await harness.call("/shop/customers/1")).status).toBe(404);
    await changeAndWaitForReload(() =>
      harness.prisma.connection.update({ where: { id: harness.connection.id }, data: { isDisabled: false } }),
    );
    expect((await harness.call("/shop/customers/1")).status).toBe(200);
  });
});
