import { bumpPolicyVersion } from "@sluice/db/policy-version";
import type { DbClient } from "@sluice/db/prisma";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { AdminError } from "./admin-error";
import { assertCan } from "./permissions";
import { recordAudit } from "./record-audit";

/**
 * The body of a rule's PATCH that turns it on or off and changes nothing else. It is read apart
 * from the whole rule's input so that a rule which no longer validates as input — a pattern that
 * can never match, stored before the API refused it — can still be disabled: the rule is not
 * written again, only its flag.
 */
export const ZRuleEnabledInput = z.object({ isEnabled: z.boolean() }).strict();

/** Whether a PATCH body only turns the rule on or off (else it is the whole rule, validated as such). */
export function isEnabledOnly(body: unknown): body is z.infer<typeof ZRuleEnabledInput> {
  return ZRuleEnabledInput.safeParse(body).success;
}

/** One rule table, as the flag change needs it: read, set the flag, and the audit's copy. */
export type RuleFlagTable<Row, View> = {
  /** The audit's target type and action prefix: `guardrail`, `review_rule`, `masking_rule`. */
  targetType: string;
  /** For "no such …". */
  noun: string;
  find: (db: DbClient, id: string) => Promise<Row | null>;
  setEnabled: (db: DbClient, id: string, isEnabled: boolean) => Promise<Row>;
  /** What the audit keeps of the rule (what was stored). */
  auditView: (row: Row) => unknown;
  /** What the list and the save return. */
  listedView: (row: Row) => View;
};

/**
 * Turns a stored rule on or off without validating it again as input. Turning one on adds nothing
 * a save could not: a rule the gateway cannot read refuses its connection's every statement (fail
 * closed), and a pattern that can never match stays flagged in the lists.
 */
export async function setRuleEnabled<Row, View>(
  context: AdminContext,
  options: { id: string; input: unknown },
  table: RuleFlagTable<Row, View>,
): Promise<View> {
  assertCan(context.actor, "policy:write");
  const parsed = ZRuleEnabledInput.safeParse(options.input);
  if (!parsed.success) throw new AdminError("invalid", "send only isEnabled, true or false");
  const { isEnabled } = parsed.data;
  return context.db.$transaction(async (db) => {
    const before = await table.find(db, options.id);
    if (!before) throw new AdminError("not_found", `no such ${table.noun}`);
    const saved = await table.setEnabled(db, options.id, isEnabled);
    await recordAudit(db, context.actor, {
      action: `${table.targetType}.update`,
      targetType: table.targetType,
      targetId: options.id,
      before: table.auditView(before),
      after: table.auditView(saved),
    });
    await bumpPolicyVersion(db);
    return table.listedView(saved);
  });
}
