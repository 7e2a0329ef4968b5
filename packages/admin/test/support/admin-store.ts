import type { PrismaClient } from "@sluice/db/prisma";
import type { RoleMappingEntry } from "@sluice/identity/roles-for-groups";
import { expect } from "vitest";
import { createTestStore } from "../../../../test/support";
import type { Actor, AdminContext } from "../../src/actor";
import { AdminError } from "../../src/admin-error";
import { actorForUser } from "../../src/api-tokens";
import { recordSignIn } from "../../src/users";

export type AdminStore = {
  prisma: PrismaClient;
  drop: () => Promise<void>;
  /**
   * Signs a person in as the console does (their roles come from `groups` through the store's role
   * mappings) and returns the context operations run in as them.
   */
  contextFor: (email: string, groups: string[]) => Promise<AdminContext>;
};

/**
 * A migrated store whose role mappings give each IdP group its console role: the setup every admin
 * integration test starts from. `secretKey` seals the upstream passwords operations store.
 */
export async function createAdminStore(options: {
  roles: RoleMappingEntry[];
  secretKey: Buffer;
}): Promise<AdminStore> {
  const store = await createTestStore();
  await store.prisma.roleMapping.createMany({ data: options.roles });
  const contextFor = async (email: string, groups: string[]): Promise<AdminContext> => {
    const user = await recordSignIn(store.prisma, {
      issuer: "https://idp.test",
      subject: email,
      email,
      groups,
    });
    if (!user) throw new Error(`${email} got no role`);
    const actor = (await actorForUser(store.prisma, user.id)) as Actor;
    return { db: store.prisma, actor, secretKey: options.secretKey };
  };
  return { prisma: store.prisma, drop: store.drop, contextFor };
}

/** The AdminError an operation is refused with (failing the test when it is not refused so). */
export async function refusal(promise: Promise<unknown>, kind?: AdminError["kind"]): Promise<AdminError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AdminError);
  if (kind) expect((error as AdminError).kind).toBe(kind);
  return error as AdminError;
}
