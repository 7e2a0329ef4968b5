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

/**
 * Parses input with a schema; a failure becomes an `invalid` error naming each bad field. A list is
 * one field in a form (comma-separated groups): a bad item is reported on the list, quoting the
 * item, since no form has a field named `allowedGroups.2` to show it next to.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const listAt = issue.path.findIndex((part) => typeof part === "number");
    if (listAt < 0) {
      fields[issue.path.join(".") || "_"] ??= issue.message;
      continue;
    }
    const item = valueAt(input, issue.path.slice(0, listAt + 1));
    fields[issue.path.slice(0, listAt).join(".") || "_"] ??=
      typeof item === "string" ? `${JSON.stringify(item)}: ${issue.message}` : issue.message;
  }
  throw new AdminError("invalid", "some fields need attention", fields);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/** Prisma's unique-constraint failure, as a conflict on the field people typed. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "P2002";
}
