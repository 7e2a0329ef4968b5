import { z } from "zod";
import { parseSelector } from "./json-path";
import { HTTP_METHODS } from "./read-request";

/** `{name}` and `*` stand for one path segment, a final `**` for any rest (including none). */
const SEGMENT_PATTERN = /^(\{[A-Za-z_][A-Za-z0-9_]*\}|\*|\*\*|[A-Za-z0-9\-._~!$&'()*+,=:@%]+)$/;

export const ZPathPattern = z
  .string()
  .refine((pattern) => pattern.startsWith("/"), "a path pattern starts with '/'")
  .refine(
    (pattern) =>
      pattern === "/" ||
      pattern
        .slice(1)
        .replace(/\/$/, "")
        .split("/")
        .every((segment) => SEGMENT_PATTERN.test(segment)),
    "each segment is a literal, {name}, * or ** (no empty segments, ';' or '/')",
  )
  .refine((pattern) => !pattern.slice(0, -2).includes("**"), "'**' may only end a path pattern");

const ZPointer = z.string().superRefine((pointer, context) => {
  try {
    parseSelector(pointer);
  } catch (error) {
    context.addIssue({ code: "custom", message: (error as Error).message });
  }
});

/**
 * What an HTTP_REQUEST guardrail matches; every given part must match. `query` and `body` map a
 * parameter name or JSON Pointer to `"*"` (present, any value) or the exact value.
 */
export const ZHttpRequestMatch = z
  .object({
    methods: z
      .array(
        z.preprocess(
          (value) => (typeof value === "string" ? value.toUpperCase() : value),
          z.enum(HTTP_METHODS),
        ),
      )
      .min(1)
      .optional(),
    path: ZPathPattern.optional(),
    query: z.record(z.string().min(1), z.string()).optional(),
    body: z.record(ZPointer, z.unknown()).optional(),
  })
  .strict()
  .refine(
    (match) => Object.values(match).some((part) => part !== undefined),
    "give at least one of methods, path, query or body",
  );

export type HttpRequestMatch = z.infer<typeof ZHttpRequestMatch>;

export type HttpRule = {
  name: string;
  effect: "DENY" | "ALLOW";
  match: HttpRequestMatch;
  /** Shown to the agent after the rule's name: what to do instead. */
  message?: string;
};

/** A REVIEW rule on an HTTP connection: a matching call waits for (or asks for) a human's approval. */
export type HttpReviewRule = {
  name: string;
  match: HttpRequestMatch;
  reviewerGroups: string[];
};

export type HttpMaskingRule = {
  name: string;
  /** JSON Pointer (with `*`/`**` wildcards) of response fields; null for a content-detector rule. */
  pointer: string | null;
  detector: string | null;
  strategy: "REDACT" | "PARTIAL" | "HASH" | "NULL";
  keepLast: number | null;
  exemptGroups: string[];
};

/** Everything the gateway needs to judge and mask calls on one HTTP connection. */
export type HttpConnectionPolicy = {
  connectionName: string;
  /** Only GET, HEAD and OPTIONS. */
  isReadOnly: boolean;
  /** A READ_ONLY guardrail that made it read-only: its name and message go to the agent. */
  readOnlyRule?: { name: string; message?: string };
  rules: HttpRule[];
  /** Bound review rules, in the order they were made: the first match names the review. */
  reviews: HttpReviewRule[];
  masking: HttpMaskingRule[];
  /** Why stored rules did not validate: every call is refused until an admin fixes them. */
  invalidRules?: string;
};
