import type { z } from "zod";
import type { GuardrailView, ZGuardrailInput } from "./guardrail-rules";
import type { MaskingRuleView, ZMaskingRuleInput } from "./masking-rules";
import type { ReviewRuleView, ZReviewRuleInput } from "./review-rules";

/**
 * The API between `/api/v1` and the console's pages for the rules edited in place, written once:
 * the routes are generated from `RULE_RESOURCES` and must return `RuleViews`; the pages read
 * `RuleApi` views and send `RuleApi` inputs. A field renamed on one side fails typecheck on the
 * other instead of showing up as an empty column.
 */
export const RULE_RESOURCES = {
  "masking-rules": { path: "/masking-rules", noun: "masking rule", tag: "masking" },
  guardrails: { path: "/guardrails", noun: "guardrail", tag: "guardrails" },
  "review-rules": { path: "/review-rules", noun: "review rule", tag: "reviews" },
} as const;

export type RuleResourceName = keyof typeof RULE_RESOURCES;

/** What the operations return, as the server holds it. */
export type RuleViews = {
  "masking-rules": MaskingRuleView;
  guardrails: GuardrailView;
  "review-rules": ReviewRuleView;
};

/** A value as it arrives in the browser: JSON has no dates, they come as ISO strings. */
export type Wire<T> = T extends Date
  ? string
  : T extends (infer Item)[]
    ? Wire<Item>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

/** Per rule resource: one row of its list as the page gets it, and what a create or update sends. */
export type RuleApi = {
  "masking-rules": { view: Wire<MaskingRuleView>; input: z.input<typeof ZMaskingRuleInput> };
  guardrails: { view: Wire<GuardrailView>; input: z.input<typeof ZGuardrailInput> };
  "review-rules": { view: Wire<ReviewRuleView>; input: z.input<typeof ZReviewRuleInput> };
};
