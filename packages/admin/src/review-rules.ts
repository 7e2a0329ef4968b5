import { bumpPolicyVersion } from "@sluice/db/policy-version";
import type { Db } from "@sluice/db/prisma";
import { type HttpRequestMatch, ZHttpRequestMatch } from "@sluice/http-policy/rules";
import { reviewPatternProblem } from "@sluice/policy/never-matching-rules";
import { kindListProblem, reviewMatchProblem } from "@sluice/policy/rules";
import { normalizeKindName } from "@sluice/sql/statement-kinds";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { AdminError, isUniqueViolation, parseInput } from "./admin-error";
import { ZName } from "./names";
import { assertCan } from "./permissions";
import { recordAudit } from "./record-audit";
import { setRuleEnabled } from "./rule-enabled";

export const ZReviewerGroupInput = z.object({
  name: ZName,
  /** The identity-provider group whose members review for this group. */
  idpGroup: z.string().trim().min(1, "required").max(200),
  description: z.string().trim().max(500).optional().nullable(),
});

const ZList = z.array(z.string().trim().min(1)).max(100).optional();

/** Statement kinds as the gateway reports them (or families); one message for the whole field. */
const ZKinds = z
  .array(z.string().trim().min(1))
  .max(100)
  .superRefine((kinds, context) => {
    const problem = kindListProblem(kinds, "REVIEW");
    if (problem) context.addIssue({ code: "custom", message: problem });
  })
  .transform((kinds) => kinds.map(normalizeKindName))
  .optional();

const ZSqlReviewMatch = z
  .object({ kinds: ZKinds, tables: ZList, columns: ZList })
  .superRefine((match, context) => {
    const problem = reviewMatchProblem(match);
    if (problem) context.addIssue({ code: "custom", message: problem.message, path: [problem.field] });
  });

export const ZReviewRuleInput = z
  .object({
    name: ZName,
    connectionId: z.string().min(1).nullable().default(null),
    /** Statement facts; on an HTTP connection, methods/path/query/body as its guardrails take. */
    match: z
      .record(z.string(), z.unknown())
      .default({})
      .transform((match, context) => {
        // One reading per kind of match, so a field's message lands on that field (match.kinds).
        const schema = isHttpMatch(match) ? ZHttpRequestMatch : ZSqlReviewMatch;
        const parsed = schema.safeParse(match);
        if (parsed.success) return parsed.data as z.infer<typeof ZSqlReviewMatch> | HttpRequestMatch;
        for (const issue of parsed.error.issues)
          context.addIssue({ code: "custom", message: issue.message, path: issue.path as PropertyKey[] });
        return z.NEVER;
      }),
    reviewerGroups: z.array(z.string().min(1)).min(1, "pick at least one reviewer group"),
    mode: z.enum(["ANY_OF", "ALL_OF"]).default("ANY_OF"),
    minApprovals: z.coerce.number().int().min(1).max(10).default(1),
    timeoutSeconds: z.coerce
      .number()
      .int("a whole number of seconds")
      .min(30, "at least 30 seconds (half a minute)")
      .max(86_400, "at most 24 hours (1440 minutes)")
      .default(600),
    isBlocking: z.boolean().default(true),
    isEnabled: z.boolean().default(true),
  })
  .refine(
    (rule) =>
      isHttpMatch(rule.match) ||
      Boolean(rule.match.kinds?.length || rule.match.tables?.length || rule.match.columns?.length),
    {
      message: "say which statements need review: kinds, tables or columns",
      path: ["match"],
    },
  );

function isHttpMatch(match: object): match is HttpRequestMatch {
  return ["methods", "path", "query", "body"].some((part) => part in match);
}

export async function listReviewerGroups(context: AdminContext) {
  assertCan(context.actor, "policy:read");
  return context.db.reviewerGroup.findMany({ orderBy: { name: "asc" } });
}

export async function saveReviewerGroup(context: AdminContext, options: { id?: string; input: unknown }) {
  assertCan(context.actor, "policy:write");
  const input = parseInput(ZReviewerGroupInput, options.input);
  try {
    return await context.db.$transaction(async (db) => {
      const before = options.id ? await db.reviewerGroup.findUnique({ where: { id: options.id } }) : null;
      if (options.id && !before) throw new AdminError("not_found", "no such reviewer group");
      const data = { ...input, description: input.description || null };
      const saved = before
        ? await db.reviewerGroup.update({ where: { id: before.id }, data })
        : await db.reviewerGroup.create({ data });
      await recordAudit(db, context.actor, {
        action: before ? "reviewer_group.update" : "reviewer_group.create",
        targetType: "reviewer_group",
        targetId: saved.id,
        before: before ?? undefined,
        after: saved,
      });
      await bumpPolicyVersion(db);
      return saved;
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AdminError("conflict", "a reviewer group with that name exists", { name: "already in use" });
    throw error;
  }
}

export async function deleteReviewerGroup(context: AdminContext, options: { id: string }) {
  assertCan(context.actor, "policy:write");
  await context.db.$transaction(async (db) => {
    const before = await db.reviewerGroup.findUnique({ where: { id: options.id } });
    if (!before) throw new AdminError("not_found", "no such reviewer group");
    await db.reviewerGroup.delete({ where: { id: options.id } });
    await recordAudit(db, context.actor, {
      action: "reviewer_group.delete",
      targetType: "reviewer_group",
      targetId: before.id,
      before,
    });
    await bumpPolicyVersion(db);
  });
}

type ReviewRuleRow = Db.ReviewRule & {
  groups: { group: { name: string } }[];
  connection: { name: string } | null;
};
const INCLUDE = { groups: { include: { group: true } }, connection: { select: { name: true } } } as const;

function toReviewRuleView(row: ReviewRuleRow) {
  const { groups, connection, ...rest } = row;
  return {
    ...rest,
    connectionName: connection?.name ?? null,
    reviewerGroups: groups.map((link) => link.group.name).sort(),
  };
}

/**
 * The rule as lists and saves return it, with why its patterns can never match (a rule stored
 * before such patterns were refused still loads, listed as active, and holds nothing). Left out
 * of the audit's copies, which say what was stored.
 */
function toListedReviewRule(row: ReviewRuleRow) {
  const problem = reviewPatternProblem(row.match);
  return { ...toReviewRuleView(row), neverMatches: problem?.message ?? null };
}
export type ReviewRuleView = ReturnType<typeof toListedReviewRule>;

export async function listReviewRules(context: AdminContext) {
  assertCan(context.actor, "policy:read");
  const rows = await context.db.reviewRule.findMany({
    orderBy: [{ connectionId: "asc" }, { name: "asc" }],
    include: INCLUDE,
  });
  return rows.map(toListedReviewRule);
}

/** Creates or updates a review rule; reviewer groups are named, and must exist. */
export async function saveReviewRule(context: AdminContext, options: { id?: string; input: unknown }) {
  assertCan(context.actor, "policy:write");
  const input = parseInput(ZReviewRuleInput, options.input);
  try {
    return await context.db.$transaction(async (db) => {
      const groups = await db.reviewerGroup.findMany({ where: { name: { in: input.reviewerGroups } } });
      const missing = input.reviewerGroups.filter((name) => !groups.some((group) => group.name === name));
      if (missing.length > 0) {
        throw new AdminError("invalid", "some fields need attention", {
          reviewerGroups: `no reviewer group named ${missing.join(", ")}`,
        });
      }
      const connection = input.connectionId
        ? await db.connection.findUnique({ where: { id: input.connectionId }, select: { type: true } })
        : null;
      if (input.connectionId && !connection) {
        throw new AdminError("invalid", "some fields need attention", { connectionId: "no such connection" });
      }
      // An HTTP match only means something bound to an HTTP connection, and statement facts only on
      // a database one: a rule read the other way would match nothing, silently.
      if (isHttpMatch(input.match) !== (connection?.type === "HTTP")) {
        throw new AdminError("invalid", "some fields need attention", {
          match:
            connection?.type === "HTTP"
              ? "an HTTP connection's review rule matches methods, path, query or body"
              : "methods, path, query and body match calls on an HTTP connection: pick one",
        });
      }
      const before = options.id
        ? await db.reviewRule.findUnique({ where: { id: options.id }, include: INCLUDE })
        : null;
      if (options.id && !before) throw new AdminError("not_found", "no such review rule");
      const { reviewerGroups: _names, ...fields } = input;
      const data = {
        ...fields,
        match: fields.match as object,
        groups: { create: groups.map((group) => ({ groupId: group.id })) },
      };
      if (before) await db.reviewRuleGroup.deleteMany({ where: { ruleId: before.id } });
      const saved = before
        ? await db.reviewRule.update({ where: { id: before.id }, data, include: INCLUDE })
        : await db.reviewRule.create({ data, include: INCLUDE });
      await recordAudit(db, context.actor, {
        action: before ? "review_rule.update" : "review_rule.create",
        targetType: "review_rule",
        targetId: saved.id,
        before: before ? toReviewRuleView(before) : undefined,
        after: toReviewRuleView(saved),
      });
      await bumpPolicyVersion(db);
      return toListedReviewRule(saved);
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AdminError("conflict", "a review rule with that name exists on this connection", {
        name: "already in use",
      });
    throw error;
  }
}

/** Turns a review rule on or off, whatever its stored patterns (a PATCH of `{ isEnabled }` alone). */
export function setReviewRuleEnabled(context: AdminContext, options: { id: string; input: unknown }) {
  return setRuleEnabled(context, options, {
    targetType: "review_rule",
    noun: "review rule",
    find: (db, id) => db.reviewRule.findUnique({ where: { id }, include: INCLUDE }),
    setEnabled: (db, id, isEnabled) =>
      db.reviewRule.update({ where: { id }, data: { isEnabled }, include: INCLUDE }),
    auditView: toReviewRuleView,
    listedView: toListedReviewRule,
  });
}

export async function deleteReviewRule(context: AdminContext, options: { id: string }) {
  assertCan(context.actor, "policy:write");
  await context.db.$transaction(async (db) => {
    const before = await db.reviewRule.findUnique({ where: { id: options.id }, include: INCLUDE });
    if (!before) throw new AdminError("not_found", "no such review rule");
    await db.reviewRule.delete({ where: { id: options.id } });
    await recordAudit(db, context.actor, {
      action: "review_rule.delete",
      targetType: "review_rule",
      targetId: before.id,
      before: toReviewRuleView(before),
    });
    await bumpPolicyVersion(db);
  });
}
