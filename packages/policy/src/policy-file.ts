import { parseSelector } from "@sluice/http-policy/json-path";
import { ZHttpRequestMatch } from "@sluice/http-policy/rules";
import { z } from "zod";
import { ZName } from "./names";
import {
  DEFAULT_POOL_SIZE,
  DEFAULT_POOL_WAIT_SECONDS,
  MAX_POOL_SIZE,
  MAX_POOL_WAIT_SECONDS,
} from "./pool-limits";
import { guardrailMatchProblem, reviewMatchProblem, ZGuardrailMatch, ZReviewMatch } from "./rules";
import { upstreamHostProblem } from "./upstream-host";
import { ZWorkloadIdentity } from "./workload-identity";

/**
 * Policy as code: the YAML format of `sluice policy apply` / `export`. Secrets never appear in it:
 * a connection's password comes from an environment variable named in the file at apply time.
 */
/**
 * Field names are the API's and the console's (booleans read `isX`, TLS settings are flat), so one
 * vocabulary serves all three. The file's first names (`readOnly`, `tls.mode`, …) are still read,
 * deprecated; a file that gives both spellings with different values is refused rather than read
 * one way.
 */
const ZTlsMode = z.enum(["DISABLE", "PREFER", "REQUIRE", "VERIFY_CA", "VERIFY_FULL"]);

type Ctx = z.core.$RefinementCtx;

/** The value of a field and its deprecated spelling, or an issue when they disagree. */
function oneReading<T>(
  ctx: Ctx,
  current: { name: string; value: T | undefined },
  deprecated: { path: (string | number)[]; value: T | undefined },
  fallback: T,
): T {
  if (current.value !== undefined && deprecated.value !== undefined && current.value !== deprecated.value) {
    ctx.addIssue({
      code: "custom",
      path: deprecated.path,
      message: `deprecated spelling of ${current.name} disagrees with ${current.name}: give ${current.name} only`,
    });
  }
  return current.value ?? deprecated.value ?? fallback;
}

const deprecated = (use: string) => `deprecated: use ${use}`;

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
        const problem = guardrailMatchProblem(kind, rule.effect, rule.match);
        if (problem)
          context.addIssue({ code: "custom", message: problem.message, path: ["match", problem.field] });
      }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

const ZMasking = z
  .object({
    name: ZName,
    column: z.string().optional().describe("schema.table.column, * wildcards allowed"),
    jsonPointer: z
      .string()
      .optional()
      .describe(
        "HTTP connections: response fields by JSON Pointer with * and ** wildcards (/customers/*/email) or JSONPath ($.customers[*].email, $..ssn)",
      ),
    detector: z
      .string()
      .optional()
      .describe("email, phone, us_ssn, payment_card, iban, ip, jwt, cloud_key, private_key"),
    strategy: z.enum(["REDACT", "PARTIAL", "HASH", "NULL"]).default("REDACT"),
    keepLast: z.number().int().min(1).max(64).optional(),
    exemptGroups: z.array(ZName).default([]),
    enabled: z.boolean().default(true),
  })
  .refine((rule) => [rule.column, rule.jsonPointer, rule.detector].filter(Boolean).length === 1, {
    message: "give exactly one of column, jsonPointer or detector",
  })
  .superRefine((rule, context) => {
    if (!rule.jsonPointer) return;
    try {
      parseSelector(rule.jsonPointer);
    } catch (error) {
      context.addIssue({ code: "custom", path: ["jsonPointer"], message: (error as Error).message });
    }
  });

const ZReview = z
  .object({
    name: ZName,
    /** Statement facts on a database connection; method/path/query/body on an HTTP one (checked below). */
    match: z.union([ZReviewMatch.strict(), ZHttpRequestMatch]),
    reviewerGroups: z.array(ZName).min(1),
    mode: z.enum(["ANY_OF", "ALL_OF"]).default("ANY_OF"),
    minApprovals: z.number().int().min(1).default(1),
    timeoutSeconds: z.number().int().min(10).default(600),
    blocking: z.boolean().default(true),
    enabled: z.boolean().default(true),
  })
  .superRefine((review, context) => {
    // Here, not on the union's member: a union reports only that no member took the input.
    const match = review.match as { tables?: string[]; columns?: string[] };
    const problem = reviewMatchProblem(match);
    if (problem)
      context.addIssue({ code: "custom", message: problem.message, path: ["match", problem.field] });
  });

const ZConnection = z
  .object({
    name: ZName,
    type: z.enum(["postgres", "mysql", "http"]).default("postgres"),
    description: z.string().optional(),
    host: z
      .string()
      .min(1)
      .superRefine((host, context) => {
        // The console's check (save-connection.ts): a URL or host:port would apply and fail at connect.
        const problem = upstreamHostProblem(host);
        if (problem) context.addIssue({ code: "custom", message: problem });
      }),
    port: z.number().int().min(1).max(65535),
    database: z.string().min(1),
    username: z
      .string()
      .min(1)
      .optional()
      .describe("the upstream user: required for databases, and for HTTP only with httpAuthKind BASIC"),
    passwordEnv: z
      .string()
      .optional()
      .describe("environment variable holding the brokered password at apply time"),
    tlsMode: ZTlsMode.optional().describe("how Sluice reaches the upstream (default PREFER)"),
    tlsCaPem: z.string().optional().describe("CA certificate (PEM) for VERIFY_CA and VERIFY_FULL"),
    tlsServerName: z.string().optional(),
    httpAuthKind: z
      .enum(["BEARER", "BASIC", "HEADER"])
      .optional()
      .describe("HTTP connections: how the brokered secret (passwordEnv) reaches the upstream"),
    httpAuthHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/)
      .optional()
      .describe("HTTP connections with httpAuthKind HEADER: the header carrying the secret"),
    httpTimeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .optional()
      .describe("HTTP connections: seconds the upstream may take to answer or go silent (default 30 / 60)"),
    requireClientTls: z.boolean().default(false),
    isReadOnly: z.boolean().optional(),
    isStrictMasking: z.boolean().optional(),
    isDisabled: z.boolean().optional(),
    poolSize: z
      .number()
      .int()
      .min(0)
      .max(MAX_POOL_SIZE)
      .default(DEFAULT_POOL_SIZE)
      .describe("upstream logins each gateway process keeps and reuses (0: a new login per session)"),
    poolWaitSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_POOL_WAIT_SECONDS)
      .default(DEFAULT_POOL_WAIT_SECONDS)
      .describe("how long a connect waits for a pooled login to come free before it is refused"),
    allowedGroups: z.array(ZName).default([]),
    guardrails: z.array(ZGuardrail).default([]),
    masking: z.array(ZMasking).default([]),
    reviews: z.array(ZReview).default([]),
    tls: z
      .object({ mode: ZTlsMode.optional(), caPem: z.string().optional(), serverName: z.string().optional() })
      .optional()
      .describe(deprecated("tlsMode, tlsCaPem, tlsServerName")),
    readOnly: z.boolean().optional().describe(deprecated("isReadOnly")),
    strictMasking: z.boolean().optional().describe(deprecated("isStrictMasking")),
    disabled: z.boolean().optional().describe(deprecated("isDisabled")),
  })
  .transform((connection, ctx) => {
    const { tls, readOnly, strictMasking, disabled, ...rest } = connection;
    // A database logs in as a user; an HTTP upstream is sent one only with basic auth (docs/http.md).
    const isUserSent = connection.type !== "http" || connection.httpAuthKind === "BASIC";
    if (isUserSent && !connection.username)
      ctx.addIssue({
        code: "custom",
        path: ["username"],
        message:
          connection.type === "http"
            ? "basic authentication sends username:secret: name the user"
            : "required: the user Sluice logs in as",
      });
    if (!isUserSent && connection.username)
      ctx.addIssue({
        code: "custom",
        path: ["username"],
        message: "only basic authentication sends a user to an HTTP upstream: leave it out",
      });
    connection.reviews.forEach((review, index) => {
      const isHttpMatch = ZHttpRequestMatch.safeParse(review.match).success;
      if (isHttpMatch !== (connection.type === "http"))
        ctx.addIssue({
          code: "custom",
          path: ["reviews", index, "match"],
          message:
            connection.type === "http"
              ? "an HTTP connection's review rule matches methods, path, query or body"
              : "a database connection's review rule matches kinds, tables or columns",
        });
    });
    return {
      ...rest,
      tlsMode: oneReading(
        ctx,
        { name: "tlsMode", value: rest.tlsMode },
        { path: ["tls", "mode"], value: tls?.mode },
        "PREFER" as const,
      ),
      tlsCaPem: oneReading<string | undefined>(
        ctx,
        { name: "tlsCaPem", value: rest.tlsCaPem },
        { path: ["tls", "caPem"], value: tls?.caPem },
        undefined,
      ),
      tlsServerName: oneReading<string | undefined>(
        ctx,
        { name: "tlsServerName", value: rest.tlsServerName },
        { path: ["tls", "serverName"], value: tls?.serverName },
        undefined,
      ),
      isReadOnly: oneReading(
        ctx,
        { name: "isReadOnly", value: rest.isReadOnly },
        { path: ["readOnly"], value: readOnly },
        false,
      ),
      isStrictMasking: oneReading(
        ctx,
        { name: "isStrictMasking", value: rest.isStrictMasking },
        { path: ["strictMasking"], value: strictMasking },
        false,
      ),
      isDisabled: oneReading(
        ctx,
        { name: "isDisabled", value: rest.isDisabled },
        { path: ["disabled"], value: disabled },
        false,
      ),
    };
  });

const ZAgent = z
  .object({
    name: ZName,
    description: z.string().optional(),
    groups: z.array(ZName).default([]),
    isDisabled: z.boolean().optional(),
    disabled: z.boolean().optional().describe(deprecated("isDisabled")),
    workloadIdentity: ZWorkloadIdentity.optional().describe(
      "the agent may sign in with a short-lived JWT from this issuer instead of a static token",
    ),
  })
  .transform(({ disabled, ...agent }, ctx) => ({
    ...agent,
    isDisabled: oneReading(
      ctx,
      { name: "isDisabled", value: agent.isDisabled },
      { path: ["disabled"], value: disabled },
      false,
    ),
  }));

export const ZPolicyFile = z.object({
  version: z.literal(1),
  agentGroups: z.array(z.object({ name: ZName, description: z.string().optional() })).default([]),
  agents: z.array(ZAgent).default([]),
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
