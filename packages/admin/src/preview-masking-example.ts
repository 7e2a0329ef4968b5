import { z } from "zod";
import type { AdminContext } from "./actor";
import { parseInput } from "./admin-error";
import { exampleForRule } from "./example-value";
import { assertCan } from "./permissions";
import { maskExample } from "./preview-masking";

export const ZMaskingExampleInput = z.object({
  strategy: z.enum(["REDACT", "PARTIAL", "HASH", "NULL"]).default("REDACT"),
  keepLast: z.coerce.number().int().min(1).max(8).optional().nullable(),
  columnSelector: z.string().trim().max(300).nullable().optional(),
  jsonPointer: z.string().trim().max(300).nullable().optional(),
  detector: z.string().trim().max(40).nullable().optional(),
  /** A value to try instead of the made-up one (the admin's own example; never read from data). */
  value: z.string().max(200).optional(),
});

/**
 * What a rule being written would do to a value like the ones it matches, before it is saved: the
 * form shows it under the strategy, so `PARTIAL` on a card column reads `************1111`.
 */
export async function previewMaskingExample(context: AdminContext, options: { input: unknown }) {
  assertCan(context.actor, "policy:read");
  const input = parseInput(ZMaskingExampleInput, options.input);
  const before = input.value ?? exampleForRule(input);
  return {
    before,
    after: maskExample({ name: "preview", strategy: input.strategy, keepLast: input.keepLast }, before),
  };
}
