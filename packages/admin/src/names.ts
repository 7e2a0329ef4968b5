import type { DbClient } from "@sluice/db/prisma";
import { z } from "zod";

/**
 * Names agents type into connection strings (agent = user, connection = database): no spaces, no
 * characters a URL would need to escape, and at most PostgreSQL's identifier length.
 */
export const ZName = z
  .string()
  .trim()
  .min(1, "required")
  .max(63, "at most 63 characters")
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    "letters, digits, '_', '.' and '-' only, starting with a letter or digit",
  );

export const ZGroupNames = z.array(ZName).max(100).default([]);

/** Finds or creates agent groups by name, so forms can take names instead of ids. */
export async function upsertGroups(db: DbClient, names: readonly string[]) {
  const unique = [...new Set(names)];
  return Promise.all(
    unique.map((name) => db.agentGroup.upsert({ where: { name }, update: {}, create: { name } })),
  );
}
