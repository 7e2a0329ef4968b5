import { z } from "zod";
import { guardrailKindsProblem, ZGuardrailMatch, ZReviewMatch } from "./rules";

/**
 * Policy as code: the YAML format of `sluice policy apply` / `export`. Secrets never appear in it:
 * a connection's password comes from an environment variable named in the file at apply time.
 */
const ZName = z.string().regex(/^[A-Za-z0-9_.:-]{1,63}$/, "letters, digits, _ . : - (1 to 63 characters)");

const ZGuardrail = z.discriminatedUnion(
  "kind",
  (Object.keys(ZGuardrailMatch) as Array<keyof typeof ZGuardrailMatch>).map((kind) =>
    z
      .object({
        name: ZName,
        kind: z.literal(kind),
        effect: z.enum(["DENY", "ALLOW"]).default("DENY"),
        match: ZGuardrailMatch[kind],
        message: z.string().optional(),
        enabled: z.boolean().default(true),
      })
      .superRefine((rule, context) => {
        const problem = guardrailKindsProblem(kind, rule.effect, rule.match);
        if (problem) context.addIssue({ code: "custom", message: problem, path: ["match", "kinds"] });
      }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

const ZMasking = z
  .object({
    name: ZName,
    column: z.string().optional().describe("schema.table.column, * wildcards allowed"),
    detector: z
      .string()
      .optional()
      .describe("email, phone, us_ssn, payment_card, iban, ip, jwt, cloud_key, private_key"),
    strategy: z.enum(["REDACT", "PARTIAL", "HASH", "NULL"]).default("REDACT"),
    keepLast: z.number().int().min(1).max(64).optional(),
    exemptGroups: z.array(ZName).default([]),
    enabled: z.boolean().default(true),
  })
  .refine((rule) => Boolean(rule.column) !== Boolean(rule.detector), {
    message: "give exactly one of column or detector",
  });

const ZReview = z.object({
  name: ZName,
  match: ZReviewMatch,
  reviewerGroups: z.array(ZName).min(1),
  mode: z.enum(["ANY_OF", "ALL_OF"]).default("ANY_OF"),
  minApprovals: z.number().int().min(1).default(1),
  timeoutSeconds: z.number().int().min(10).default(600),
  blocking: z.boolean().default(true),
  enabled: z.boolean().default(true),
});

const ZConnection = z.object({
  name: ZName,
  type: z.enum(["postgres", "mysql", "http"]).default("postgres"),
  description: z.string().optional(),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  database: z.string().min(1),
  username: z.string().min(1),
  passwordEnv: z
    .string()
    .optional()
    .describe("environment variable holding the brokered password at apply time"),
  tls: z
    .object({
      mode: z.enum(["DISABLE", "PREFER", "REQUIRE", "VERIFY_CA", "VERIFY_FULL"]).default("PREFER"),
      caPem: z.string().optional(),
      serverName: z.string().optional(),
    })
    .default({ mode: "PREFER" }),
  requireClientTls: z.boolean().default(false),
  readOnly: z.boolean().default(false),
  strictMasking: z.boolean().default(false),
  disabled: z.boolean().default(false),
  allowedGroups: z.array(ZName).default([]),
  guardrails: z.array(ZGuardrail).default([]),
  masking: z.array(ZMasking).default([]),
  reviews: z.array(ZReview).default([]),
});

export const ZPolicyFile = z.object({
  version: z.literal(1),
  agentGroups: z.array(z.object({ name: ZName, description: z.string().optional() })).default([]),
  agents: z
    .array(
      z.object({
        name: ZName,
        description: z.string().optional(),
        groups: z.array(ZName).default([]),
        disabled: z.boolean().default(false),
      }),
    )
    .default([]),
  reviewerGroups: z
    .array(z.object({ name: ZName, idpGroup: z.string().min(1), description: z.string().optional() }))
    .default([]),
  connections: z.array(ZConnection).default([]),
});

export type PolicyFile = z.infer<typeof ZPolicyFile>;
export type PolicyFileConnection = z.infer<typeof ZConnection>;

/** The JSON Schema of the format, for editors and CI validation (docs/policy.schema.json). */
export function policyJsonSchema(): unknown {
  return z.toJSONSchema(ZPolicyFile, { io: "input" });
}
