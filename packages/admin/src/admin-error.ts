import type { z } from "zod";

export type AdminErrorKind = "invalid" | "not_found" | "conflict" | "forbidden" | "unavailable";

/** An expected failure of an operation, with field messages when the input was at fault. */
export class AdminError extends Error {
  constructor(
    readonly kind: AdminErrorKind,
    message: string,
    /** Field path (`host`, `match.tables`) → what is wrong with it, shown next to the field. */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.name = "AdminError";
  }
}

/** Parses input with a schema; a failure becomes an `invalid` error naming each bad field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path.join(".") || "_";
    fields[key] ??= issue.message;
  }
  throw new AdminError("invalid", "some fields need attention", fields);
}

/** Prisma's unique-constraint failure, as a conflict on the field people typed. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "P2002";
}
