import { z } from "zod";

/** Table, column and function patterns: `name`, `schema.name`, `schema.*`, `*` (case-sensitive as the server is). */
const ZPatterns = z.array(z.string().min(1)).min(1);

/** Each guardrail kind's parameters; the store keeps them as JSON, files as YAML. */
export const ZGuardrailMatch = {
  STATEMENT_KIND: z.object({ kinds: ZPatterns }),
  TABLE: z.object({ tables: ZPatterns, access: z.enum(["read", "write", "any"]).default("any") }),
  COLUMN: z.object({ columns: ZPatterns }),
  FUNCTION: z.object({ functions: ZPatterns }),
  MISSING_WHERE: z.object({ kinds: z.array(z.enum(["UPDATE", "DELETE"])).min(1) }),
  MULTI_STATEMENT: z.object({}),
  SETTING: z.object({ settings: ZPatterns }),
  READ_ONLY: z.object({}),
} as const;

export type GuardrailKind = keyof typeof ZGuardrailMatch;

export type GuardrailRule = {
  [K in GuardrailKind]: {
    name: string;
    kind: K;
    /** DENY blocks what matches; ALLOW relaxes a built-in default or, for TABLE, makes an allow-list. */
    effect: "DENY" | "ALLOW";
    match: z.infer<(typeof ZGuardrailMatch)[K]>;
    message?: string;
  };
}[GuardrailKind];

export const ZReviewMatch = z.object({
  kinds: z.array(z.string()).optional(),
  tables: z.array(z.string()).optional(),
  columns: z.array(z.string()).optional(),
});

export type ReviewRule = {
  name: string;
  match: z.infer<typeof ZReviewMatch>;
  reviewerGroups: string[];
};

export type MaskingRuleDef = {
  name: string;
  /** `schema.table.column` with `*` wildcards; null for a content-detector rule. */
  selector: string | null;
  detector: string | null;
  strategy: "REDACT" | "PARTIAL" | "HASH" | "NULL";
  keepLast: number | null;
  /** Agent groups that see this rule's values in clear. */
  exemptGroups: string[];
};

/** Everything the engine needs to judge statements on one connection. */
export type ConnectionPolicy = {
  connectionName: string;
  isReadOnly: boolean;
  /** Refuse masked columns where they act as an oracle: predicates, joins, ordering, grouping, aggregates. */
  isStrictMasking?: boolean;
  guardrails: GuardrailRule[];
  reviews: ReviewRule[];
  masking?: MaskingRuleDef[];
};

/** Validates one stored rule; a rule that does not validate is a configuration error, never skipped. */
export function parseGuardrail(raw: {
  name: string;
  kind: string;
  effect: string;
  match: unknown;
  message?: string | null;
}): GuardrailRule {
  if (!(raw.kind in ZGuardrailMatch)) throw new Error(`guardrail "${raw.name}": unknown kind ${raw.kind}`);
  const kind = raw.kind as GuardrailKind;
  const parsed = ZGuardrailMatch[kind].safeParse(raw.match ?? {});
  if (!parsed.success) {
    throw new Error(
      `guardrail "${raw.name}": ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
    );
  }
  if (raw.effect !== "DENY" && raw.effect !== "ALLOW")
    throw new Error(`guardrail "${raw.name}": unknown effect ${raw.effect}`);
  return {
    name: raw.name,
    kind,
    effect: raw.effect,
    match: parsed.data,
    ...(raw.message ? { message: raw.message } : {}),
  } as GuardrailRule;
}
