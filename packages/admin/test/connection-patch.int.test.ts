import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminContext } from "../src/actor";
import { saveConnection } from "../src/save-connection";
import { type AdminStore, createAdminStore, refusal } from "./support/admin-store";

/**
 * A connection PATCH changes only what it names: defaults on an update would quietly reset what a
 * client did not send (the pool's size back to its default, read-only mode off).
 */
describe("updating a connection", () => {
  let store: AdminStore;
  let admin: AdminContext;

  beforeAll(async () => {
    store = await createAdminStore({
      roles: [{ idpGroup: "admins", role: "ADMIN" }],
      secretKey: Buffer.alloc(32, 9),
    });
    admin = await store.contextFor("ada@example.test", ["admins"]);
  });
  afterAll(async () => {
    await store.drop();
  });

  // Never dialled: saving a connection does not reach its upstream.
  const connectionInput = (overrides: Record<string, unknown> = {}) => ({
    name: "shop",
    host: "127.0.0.1",
    port: 5432,
    database: "shop",
    username: "shop_app",
    password: "s3cret",
    tlsMode: "DISABLE",
    allowedGroups: ["analysts"],
    ...overrides,
  });

  it("changes on update only the fields the request names", async () => {
    const saved = await saveConnection(admin, {
      input: connectionInput({
        name: "pooled-shop",
        poolSize: 3,
        poolWaitSeconds: 42,
        isReadOnly: true,
        description: "kept",
        allowedGroups: ["pool-testers"],
      }),
    });
    const updated = await saveConnection(admin, { id: saved.id, input: { isStrictMasking: true } });
    expect(updated).toMatchObject({
      name: "pooled-shop",
      poolSize: 3,
      poolWaitSeconds: 42,
      isReadOnly: true,
      isStrictMasking: true,
      description: "kept",
      tlsMode: "DISABLE",
      allowedGroups: ["pool-testers"],
    });
    const row = await store.prisma.connection.findUniqueOrThrow({ where: { id: saved.id } });
    expect(row).toMatchObject({ poolSize: 3, poolWaitSeconds: 42, isReadOnly: true, isStrictMasking: true });
    // What the console's form sends: every field but the pool's.
    const fromForm = await saveConnection(admin, {
      id: saved.id,
      input: connectionInput({ name: "pooled-shop", password: "", allowedGroups: ["pool-testers"] }),
    });
    expect(fromForm).toMatchObject({ poolSize: 3, poolWaitSeconds: 42, isStrictMasking: true });
    // Named fields still change, and are still checked.
    expect(await saveConnection(admin, { id: saved.id, input: { poolSize: 0 } })).toMatchObject({
      poolSize: 0,
      poolWaitSeconds: 42,
    });
    const invalid = await refusal(
      saveConnection(admin, { id: saved.id, input: { poolWaitSeconds: -1, tlsMode: "VERIFY_FULL" } }),
      "invalid",
    );
    expect(Object.keys(invalid.fields)).toEqual(["poolWaitSeconds"]);
    const unverifiable = await refusal(
      saveConnection(admin, { id: saved.id, input: { tlsMode: "VERIFY_FULL" } }),
      "invalid",
    );
    expect(unverifiable.fields).toHaveProperty("tlsCaPem");
  });
});
