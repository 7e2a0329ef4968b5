import { loadPolicies } from "@sluice/db/policy/load-policies";
import type { PrismaClient } from "@sluice/db/prisma";
import type { ConnectionPolicy } from "@sluice/policy/rules";
import { describe, expect, it, vi } from "vitest";
import { PolicyStore } from "../src/policy/policy-store";

vi.mock("@sluice/db/policy/load-policies", () => ({ loadPolicies: vi.fn() }));
vi.mock("@sluice/db/policy/load-http-policies", () => ({ loadHttpPolicies: async () => new Map() }));

const policyNamed = (name: string): ConnectionPolicy =>
  ({
    connectionName: "shop",
    isReadOnly: false,
    guardrails: [{ name, kind: "TABLE", effect: "DENY", match: { tables: ["public.notes"] } }],
    reviews: [],
  }) as unknown as ConnectionPolicy;

// A change is announced (NOTIFY) once committed. A reload already running may have read the store
// before that commit: the announcement must bring one more reload, or open sessions keep the old
// rules until the next poll.
describe("the gateway's policy store", () => {
  it("reloads again for a change announced while a reload was reading the store", async () => {
    let storeHas = "before";
    let letFirstRead: () => void = () => {};
    const firstReadHeld = new Promise<void>((resolve) => {
      letFirstRead = resolve;
    });
    let reads = 0;
    let firstReadDone: () => void = () => {};
    const isFirstReadDone = new Promise<void>((resolve) => {
      firstReadDone = resolve;
    });
    vi.mocked(loadPolicies).mockImplementation(async () => {
      reads += 1;
      const seen = storeHas;
      if (reads === 1) {
        firstReadDone();
        await firstReadHeld;
      }
      return {
        policies: new Map([["connection-1", policyNamed(seen)]]),
        upstreamUsers: new Map(),
        invalid: [],
      } as unknown as Awaited<ReturnType<typeof loadPolicies>>;
    });
    const prisma = { policyState: { findUnique: async () => ({ id: 1, version: 1 }) } };
    const store = new PolicyStore(prisma as unknown as PrismaClient, "postgres://unused", () => {});

    const running = store.reload();
    await isFirstReadDone;
    // The change commits once the running reload has read the store, and is announced.
    storeHas = "after";
    const announced = store.reload();
    letFirstRead();
    await Promise.all([running, announced]);

    expect(store.get("connection-1")?.guardrails.map((rule) => rule.name)).toEqual(["after"]);
    expect(reads).toBe(2);
  });
});
