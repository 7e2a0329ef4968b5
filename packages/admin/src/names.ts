import type { DbClient } from "@sluice/db/prisma";
import { ZName } from "@sluice/policy/names";
import { z } from "zod";

export { ZName } from "@sluice/policy/names";

export const ZGroupNames = z.array(ZName).max(100).default([]);

/** Finds or creates agent groups by name, so forms can take names instead of ids. */
export async function upsertGroups(db: DbClient, names: readonly string[]) {
  const unique = [...new Set(names)];
  return Promise.all(
    unique.map((name) => db.agentGroup.upsert({ where: { name }, update: {}, create: { name } })),
  );
}
