import type { PrismaClient } from "@sluice/db/prisma";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestStore } from "../../../test/support";
import type { Actor, AdminContext } from "../src/actor";
import { AdminError } from "../src/admin-error";
import { actorForUser } from "../src/api-tokens";
import { saveAgent } from "../src/save-agent";
import { recordSignIn } from "../src/users";

/**
 * The API judges an agent's workload identity field by field, with the messages the console shows
 * beside each field (`workloadIdentity.<field>`), and keeps what it accepted.
 */
let store: { prisma: PrismaClient; drop: () => Promise<void> };
let admin: AdminContext;

beforeAll(async () => {
  store = await createTestStore();
  await store.prisma.roleMapping.create({ data: { idpGroup: "admins", role: "ADMIN" } });
  const user = await recordSignIn(store.prisma, {
    issuer: "https://idp.test",
    subject: "ada@example.com",
    email: "ada@example.com",
    groups: ["admins"],
  });
  if (!user) throw new Error("the admin got no role");
  admin = {
    db: store.prisma,
    actor: (await actorForUser(store.prisma, user.id)) as Actor,
    secretKey: Buffer.alloc(32, 9),
  };
});

afterAll(async () => {
  await store?.drop();
});

async function fieldsOf(input: unknown): Promise<Record<string, string>> {
  const error = await saveAgent(admin, { input }).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AdminError);
  expect((error as AdminError).kind).toBe("invalid");
  return (error as AdminError).fields ?? {};
}

const IDENTITY = {
  issuer: "https://token.actions.example.com",
  audience: "urn:sluice:gateway",
  subject: "repo:acme/etl:ref:refs/heads/main",
  claims: { "kubernetes.io/namespace": "jobs" },
  groupsClaim: "groups",
};

describe("an agent's workload identity through the admin API", () => {
  it("names each wrong field with a message a person can act on", async () => {
    expect(
      await fieldsOf({
        name: "wl-bad",
        groups: [],
        workloadIdentity: {
          issuer: "http://idp.example.com",
          audience: " ",
          subject: "",
          claims: { "": "x" },
        },
      }),
    ).toEqual({
      "workloadIdentity.issuer": "must be https (http only for localhost)",
      "workloadIdentity.audience": "required: a value the token's aud holds",
      "workloadIdentity.subject": "required: the token's sub, exactly",
      "workloadIdentity.claims": "a claim needs a name of at most 500 characters",
    });
    expect(
      await fieldsOf({ name: "wl-bad", groups: [], workloadIdentity: { ...IDENTITY, issuer: "not a url" } }),
    ).toEqual({
      "workloadIdentity.issuer": "an absolute URL, e.g. https://issuer.example.com",
    });
    expect(await store.prisma.agent.count({ where: { name: "wl-bad" } })).toBe(0);
  });

  it("keeps an accepted identity, shows it back, and removes it when sent null", async () => {
    const saved = await saveAgent(admin, {
      input: { name: "wl-good", groups: [], workloadIdentity: IDENTITY },
    });
    expect(saved.workloadIdentity).toEqual(IDENTITY);
    const edited = await saveAgent(admin, {
      id: saved.id,
      input: { name: "wl-good", groups: ["analysts"], workloadIdentity: saved.workloadIdentity },
    });
    expect(edited.workloadIdentity).toEqual(IDENTITY);
    const cleared = await saveAgent(admin, {
      id: saved.id,
      input: { name: "wl-good", groups: ["analysts"], workloadIdentity: null },
    });
    expect(cleared.workloadIdentity).toBeNull();
  });

  it("changes on update only what the request names (PATCH), keeping groups, state and identity", async () => {
    const saved = await saveAgent(admin, {
      input: { name: "wl-patch", groups: ["analysts", "etl"], isDisabled: true, workloadIdentity: IDENTITY },
    });
    const described = await saveAgent(admin, { id: saved.id, input: { description: "nightly loads" } });
    expect(described).toMatchObject({
      name: "wl-patch",
      description: "nightly loads",
      groups: ["analysts", "etl"],
      isDisabled: true,
      workloadIdentity: IDENTITY,
    });
    const enabled = await saveAgent(admin, { id: saved.id, input: { isDisabled: false, groups: [] } });
    expect(enabled).toMatchObject({
      isDisabled: false,
      groups: [],
      description: "nightly loads",
      workloadIdentity: IDENTITY,
    });
    // Named fields are still checked.
    const error = await saveAgent(admin, { id: saved.id, input: { name: "no spaces allowed" } }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AdminError);
  });
});
