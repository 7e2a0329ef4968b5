import { bumpPolicyVersion } from "@sluice/db/policy-version";
import type { Db } from "@sluice/db/prisma";
import { parseSelector } from "@sluice/http-policy/json-path";
import { DETECTOR_NAMES, type DetectorName } from "@sluice/masking/detectors";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { AdminError, isUniqueViolation, parseInput } from "./admin-error";
import { upsertGroups, ZGroupNames, ZName } from "./names";
import { assertCan } from "./permissions";
import { recordAudit } from "./record-audit";
import { setRuleEnabled } from "./rule-enabled";

const SELECTOR_PART = /^(\*|[^.*\s]+)$/;

export const ZMaskingRuleInput = z
  .object({
    name: ZName,
    /** Null: every connection. */
    connectionId: z.string().min(1).nullable().default(null),
    /** `schema.table.column` with `*` parts; or, instead, a content detector. */
    columnSelector: z
      .string()
      .trim()
      .refine(
        (value) =>
          value.split(".").length === 3 && value.split(".").every((part) => SELECTOR_PART.test(part)),
        { message: "schema.table.column, each part a name or *" },
      )
      .nullable()
      .optional(),
    /** HTTP connections: response fields by JSON Pointer (`/customers/*\/email`) or JSONPath (`$..ssn`). */
    jsonPointer: z
      .string()
      .trim()
      .superRefine((selector, context) => {
        try {
          parseSelector(selector);
        } catch (error) {
          context.addIssue({ code: "custom", message: (error as Error).message });
        }
      })
      .nullable()
      .optional(),
    detector: z
      .enum(DETECTOR_NAMES as [DetectorName, ...DetectorName[]])
      .nullable()
      .optional(),
    strategy: z.enum(["REDACT", "PARTIAL", "HASH", "NULL"]).default("REDACT"),
    keepLast: z.coerce.number().int().min(1).max(8).optional().nullable(),
    isEnabled: z.boolean().default(true),
    exemptGroups: ZGroupNames,
  })
  .refine((rule) => [rule.columnSelector, rule.jsonPointer, rule.detector].filter(Boolean).length === 1, {
    message: "give a column selector, a JSON field selector or a content detector (one of them)",
    path: ["columnSelector"],
  });

type RuleRow = Db.MaskingRule & {
  exemptions: { group: { name: string } }[];
  connection: { name: string } | null;
};
const INCLUDE = { exemptions: { include: { group: true } }, connection: { select: { name: true } } } as const;

function toMaskingRuleView(row: RuleRow) {
  const { exemptions, connection, ...rest } = row;
  return {
    ...rest,
    connectionName: connection?.name ?? null,
    exemptGroups: exemptions.map((link) => link.group.name).sort(),
  };
}
export type MaskingRuleView = ReturnType<typeof toMaskingRuleView>;

export async function listMaskingRules(context: AdminContext) {
  assertCan(context.actor, "policy:read");
  const rows = await context.db.maskingRule.findMany({
    orderBy: [{ connectionId: "asc" }, { name: "asc" }],
    include: INCLUDE,
  });
  return rows.map(toMaskingRuleView);
}

/** Creates or updates a column masking rule; running gateways mask by it from their next statement. */
export async function saveMaskingRule(context: AdminContext, options: { id?: string; input: unknown }) {
  assertCan(context.actor, "policy:write");
  const input = parseInput(ZMaskingRuleInput, options.input);
  if (input.strategy === "PARTIAL" && !input.keepLast) {
    throw new AdminError("invalid", "some fields need attention", {
      keepLast: "partial masking needs how many characters stay visible (1-8)",
    });
  }
  try {
    return await context.db.$transaction(async (db) => {
      const connection = input.connectionId
        ? await db.connection.findUnique({ where: { id: input.connectionId }, select: { type: true } })
        : null;
      if (input.connectionId && !connection) {
        throw new AdminError("invalid", "some fields need attention", { connectionId: "no such connection" });
      }
      // A field selector on a database connection would mask nothing; a column on an HTTP one makes
      // the gateway refuse every call (it cannot judge it): both are refused here instead.
      if (connection && input.jsonPointer && connection.type !== "HTTP")
        throw new AdminError("invalid", "some fields need attention", {
          jsonPointer: "JSON field selectors mask HTTP responses: bind the rule to an HTTP connection",
        });
      if (connection && input.columnSelector && connection.type === "HTTP")
        throw new AdminError("invalid", "some fields need attention", {
          columnSelector: "HTTP responses have no columns: give a JSON field selector or a detector",
        });
      const before = options.id
        ? await db.maskingRule.findUnique({ where: { id: options.id }, include: INCLUDE })
        : null;
      if (options.id && !before) throw new AdminError("not_found", "no such masking rule");
      const groups = await upsertGroups(db, input.exemptGroups);
      const { exemptGroups: _groups, ...fields } = input;
      const data = {
        ...fields,
        keepLast: input.strategy === "PARTIAL" ? (input.keepLast ?? null) : null,
        columnSelector: input.columnSelector || null,
        jsonPointer: input.jsonPointer || null,
        detector: input.detector ?? null,
        exemptions: { create: groups.map((group) => ({ groupId: group.id })) },
      };
      if (before) await db.maskingExemption.deleteMany({ where: { ruleId: before.id } });
      const saved = before
        ? await db.maskingRule.update({ where: { id: before.id }, data, include: INCLUDE })
        : await db.maskingRule.create({ data, include: INCLUDE });
      await recordAudit(db, context.actor, {
        action: before ? "masking_rule.update" : "masking_rule.create",
        targetType: "masking_rule",
        targetId: saved.id,
        before: before ? toMaskingRuleView(before) : undefined,
        after: toMaskingRuleView(saved),
      });
      await bumpPolicyVersion(db);
      return toMaskingRuleView(saved);
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AdminError("conflict", "a masking rule with that name exists on this connection", {
        name: "already in use",
      });
    throw error;
  }
}

/** Turns a masking rule on or off, leaving the rest as stored (a PATCH of `{ isEnabled }` alone). */
export function setMaskingRuleEnabled(context: AdminContext, options: { id: string; input: unknown }) {
  return setRuleEnabled(context, options, {
    targetType: "masking_rule",
    noun: "masking rule",
    find: (db, id) => db.maskingRule.findUnique({ where: { id }, include: INCLUDE }),
    setEnabled: (db, id, isEnabled) =>
      db.maskingRule.update({ where: { id }, data: { isEnabled }, include: INCLUDE }),
    auditView: toMaskingRuleView,
    listedView: toMaskingRuleView,
  });
}

export async function deleteMaskingRule(context: AdminContext, options: { id: string }) {
  assertCan(context.actor, "policy:write");
  await context.db.$transaction(async (db) => {
    const before = await db.maskingRule.findUnique({ where: { id: options.id }, include: INCLUDE });
    if (!before) throw new AdminError("not_found", "no such masking rule");
    await db.maskingRule.delete({ where: { id: options.id } });
    await recordAudit(db, context.actor, {
      action: "masking_rule.delete",
      targetType: "masking_rule",
      targetId: options.id,
      before: toMaskingRuleView(before),
    });
    await bumpPolicyVersion(db);
  });
}
