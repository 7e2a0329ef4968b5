import type { PrismaClient } from "@sluice/db/prisma";
import type { ConsoleRole } from "@sluice/identity/roles-for-groups";

/** Who asks: a signed-in person, or an API token acting with one of its owner's roles. */
export type Actor = {
  kind: "USER" | "API_TOKEN";
  userId: string;
  /** The person's email (and the token's name), for audit events. */
  name: string;
  roles: readonly ConsoleRole[];
  tokenId?: string;
};

/** Everything an operation needs besides its input. */
export type AdminContext = {
  db: PrismaClient;
  actor: Actor;
  /** Key for secrets at rest (brokered upstream passwords). */
  secretKey: Buffer;
};
