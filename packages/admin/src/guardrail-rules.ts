import { bumpPolicyVersion } from "@sluice/db/policy-version";
import type { Db } from "@sluice/db/prisma";
import { guardrailPatternProblem } from "@sluice/policy/never-matching-rules";
import { guardrailMatchProblem, ZGuardrailMatch } from "@sluice/policy/rules";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { AdminError, isUniqueViolation, parseInput } from "./admin-error";
import { ZName } from "./names";
import { assertCan } from "./permissions";
import { recordAudit } from "./record-audit";
import { setRuleEnabled } from "./rule-enabled";

const KINDS = Object.keys(ZGuardrailMatch) as [
  keyof typeof ZGuardrailMatch,
  ...(keyof typeof ZGuardrailMatch)[],
];

export const ZGuardrailInput = z.object({
  name: ZName,
  connectionId: z.string().min(1).nullable().default(null),
  kind: z.enum(KINDS),
  effect: z.enum(["DENY", "ALLOW"]).default("DENY"),
  /** Kind-specific parameters, validated by packages/policy's schema for the kind. */
  match: z.record(z.string(), z.unknown()).default({}),
  message: z.string().trim().max(500).optional().nullable(),
  isEnabled: z.boolean().default(true),
});

type GuardrailRow = Db.GuardrailRule & { connection: { name: string } | null };
const INCLUDE = { connection: { select: { name: true } } } as const;

/** The stored rule, as the audit keeps it. */
function toGuardrailView(row: GuardrailRow) {
  const { connection, ...rest } = row;
  return { ...rest, connectionName: connection?.name ?? null };
}

/**
 * The rule as lists and saves return it, with why its patterns can never match: a rule stored
 * before such patterns were refused still loads and would be listed as active while it never
 * fires. Left out of the audit's copies, which say what was stored.
 */
function toListedGuardrail(row: GuardrailRow) {
  const problem = guardrailPatternProblem(row.kind, row.match);
  return { ...toGuardrailView(row), neverMatches: problem?.message ?? null };
}
export type GuardrailView = ReturnType<typeof toListedGuardrail>;

export async function listGuardrails(context: AdminContext) {
  assertCan(context.actor, "policy:read");
  const rows = await context.db.guardrailRule.findMany({
    orderBy: [{ connectionId: "asc" }, { name: "asc" }],
    include: INCLUDE,
  });
  return rows.map(toListedGuardrail);
}

/** Creates or updates a guardrail; it applies to the next statement of every open session. */
export async function saveGuardrail(context: AdminContext, options: { id?: string; input: unknown }) {
  assertCan(context.actor, "policy:write");
  const input = parseInput(ZGuardrailInput, options.input);
  const match = ZGuardrailMatch[input.kind].safeParse(input.match);
  if (!match.success) {
    const fields: Record<string, string> = {};
    // A list is one field in the form: a bad item is reported on the list (`match.kinds`).
    for (const issue of match.error.issues) {
      const path = issue.path.filter((part) => typeof part !== "number");
      fields[["match", ...path].join(".")] ??= issue.message;
    }
    throw new AdminError("invalid", "some fields need attention", fields);
  }
  const matchProblem = guardrailMatchProblem(input.kind, input.effect, match.data);
  if (matchProblem) {
    throw new AdminError("invalid", "some fields need attention", {
      [`match.${matchProblem.field}`]: matchProblem.message,
    });
  }
  try {
    return await context.db.$transaction(async (db) => {
      if (input.connectionId && !(await db.connection.findUnique({ where: { id: input.connectionId } }))) {
        throw new AdminError("invalid", "some fields need attention", { connectionId: "no such connection" });
      }
      const before = options.id
        ? await db.guardrailRule.findUnique({ where: { id: options.id }, include: INCLUDE })
        : null;
      if (options.id && !before) throw new AdminError("not_found", "no such guardrail");
      const data = { ...input, match: match.data as object, message: input.message || null };
      const saved = before
        ? await db.guardrailRule.update({ where: { id: before.id }, data, include: INCLUDE })
        : await db.guardrailRule.create({ data, include: INCLUDE });
      await recordAudit(db, context.actor, {
        action: before ? "guardrail.update" : "guardrail.create",
        targetType: "guardrail",
        targetId: saved.id,
        before: before ? toGuardrailView(before) : undefined,
        after: toGuardrailView(saved),
      });
      await bumpPolicyVersion(db);
      return toListedGuardrail(saved);
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AdminError("conflict", "a guardrail with that name exists on this connection", {
        name: "already in use",
      });
    throw error;
  }
}

/** Turns a guardrail on or off, whatever its stored patterns (a PATCH of `{ isEnabled }` alone). */
export function setGuardrailEnabled(context: AdminContext, options: { id: string; input: unknown }) {
  return setRuleEnabled(context, options, {
    targetType: "guardrail",
    noun: "guardrail",
    find: (db, id) => db.guardrailRule.findUnique({ where: { id }, include: INCLUDE }),
    setEnabled: (db, id, isEnabled) =>
      db.guardrailRule.update({ where: { id }, data: { isEnabled }, include: INCLUDE }),
    auditView: toGuardrailView,
    listedView: toListedGuardrail,
  });
}

export async function deleteGuardrail(context: AdminContext, options: { id: string }) {
  assertCan(context.actor, "policy:write");
  await context.db.$transaction(async (db) => {
    const before = await db.guardrailRule.findUnique({ where: { id: options.id }, include: INCLUDE });
    if (!before) throw new AdminError("not_found", "no such guardrail");
    await db.guardrailRule.delete({ where: { id: options.id } });
    await recordAudit(db, context.actor, {
      action: "guardrail.delete",
      targetType: "guardrail",
      targetId: options.id,
      before: toGuardrailView(before),
    });
    await bumpPolicyVersion(db);
  });
}
