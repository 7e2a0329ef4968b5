import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminContext } from "../src/actor";
import { saveAgent } from "../src/save-agent";
import { type AdminStore, createAdminStore, refusal } from "./support/admin-store";

/**
 * A bearer JWT names no agent, so two enabled agents must never accept the same token: the API
 * refuses the save that would make them, naming the other agent beside the subject field.
 */
let store: AdminStore;
let admin: AdminContext;

beforeAll(async () => {
  store = await createAdminStore({
    roles: [{ idpGroup: "admins", role: "ADMIN" }],
    secretKey: Buffer.alloc(32, 9),
  });
  admin = await store.contextFor("ada@example.com", ["admins"]);
});

afterAll(async () => {
  await store?.drop();
});

const identity = (subject: string, audience = "urn:sluice:gateway", claims = {}) => ({
  issuer: "https://token.actions.example.com",
  audience,
  subject,
  claims,
});

const create = (name: string, workloadIdentity: unknown, isDisabled = false) =>
  saveAgent(admin, { input: { name, groups: [], isDisabled, workloadIdentity } });

describe("overlapping workload identities", () => {
  it("refuses a second enabled agent for the same issuer and subject, whatever its audience and claims", async () => {
    await create("etl-main", identity("repo:acme/etl", "urn:a", { env: "prod" }));
    // aud and claims may be lists: one token {aud: [a, b], env: [prod, dev]} would pass both.
    const refused = await refusal(
      create("etl-twin", identity("repo:acme/etl", "urn:b", { env: "dev" })),
      "conflict",
    );
    expect(refused.message).toContain("etl-main");
    expect(refused.fields["workloadIdentity.subject"]).toMatch(
      /^agent etl-main already accepts tokens from this issuer with this subject/,
    );
    expect(await store.prisma.agent.count({ where: { name: "etl-twin" } })).toBe(0);
    // Another subject, or another issuer, is a different workload.
    await create("etl-other", identity("repo:acme/other"));
    await create("etl-elsewhere", { ...identity("repo:acme/etl"), issuer: "https://other.example.com" });
  });

  it("refuses moving an agent onto another's identity, and enabling a disabled twin", async () => {
    await create("loader", identity("repo:acme/loader"));
    const mover = await create("mover", identity("repo:acme/mover"));
    const moved = await refusal(
      saveAgent(admin, { id: mover.id, input: { workloadIdentity: identity("repo:acme/loader") } }),
      "conflict",
    );
    expect(moved.fields["workloadIdentity.subject"]).toContain("agent loader");
    // A disabled agent accepts no token: it may hold the same mapping, until it is enabled.
    const twin = await create("loader-standby", identity("repo:acme/loader"), true);
    const enabling = await refusal(
      saveAgent(admin, { id: twin.id, input: { isDisabled: false } }),
      "conflict",
    );
    expect(enabling.fields["workloadIdentity.subject"]).toContain("agent loader");
    expect((await store.prisma.agent.findUniqueOrThrow({ where: { id: twin.id } })).isDisabled).toBe(true);
    // Saving an agent with its own identity unchanged is no overlap with itself.
    await saveAgent(admin, { id: mover.id, input: { description: "moves things" } });
  });

  it("lets only one of two concurrent saves of the same identity through", async () => {
    // Several pairs at once, so the two saves of a pair really interleave on separate connections.
    const pairs = ["a", "b", "c", "d", "e", "f"];
    const results = await Promise.all(
      pairs.map((pair) =>
        Promise.allSettled([
          create(`race-${pair}-1`, identity(`repo:acme/race-${pair}`)),
          create(`race-${pair}-2`, identity(`repo:acme/race-${pair}`)),
        ]),
      ),
    );
    for (const pair of results)
      expect(pair.map((result) => result.status).sort()).toEqual(["fulfilled", "rejected"]);
  });
});
