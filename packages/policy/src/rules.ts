import { ZHttpRequestMatch } from "@sluice/http-policy/rules";
import { ALLOW_ONLY_KINDS, normalizeKindName, REPORTED_KINDS } from "@sluice/sql/statement-kinds";
import { z } from "zod";
import { NEVER_ALLOWABLE } from "./connect-settings";
import { guardrailPatternProblem, type PatternProblem, reviewPatternProblem } from "./never-matching-rules";
import { parseServerBool, settingValueKind } from "./setting-values";
import { STATEMENT_KIND_NAMES } from "./statement-kind-names";

/** Table, column and function patterns: `name`, `schema.name`, `schema.*`, `*` (case-sensitive as the server is). */
const ZPatterns = z.array(z.string().min(1)).min(1);

/**
 * A statement kind as rules name it: any case and spacing, kept upper case. A name the parser never
 * reports is refused, since a rule with it would be saved, listed as active and never fire.
 */
export const ZStatementKindName = z.preprocess(
  (value) => (typeof value === "string" ? normalizeKindName(value) : value),
  z.enum(STATEMENT_KIND_NAMES as [string, ...string[]], { error: (issue) => unknownKind(issue.input) }),
);

function unknownKind(name: unknown): string {
  return `${JSON.stringify(name)} is not a statement kind the gateway reports; name one (e.g. ALTER TABLE, DELETE) or a family (ALTER, CREATE, DROP …), see docs/policy.md`;
}

/** A list of kind names as one form field gives them: the first problem with any of them. */
export function kindListProblem(kinds: readonly string[], use: KindUse): string | null {
  const unknown = kinds.find((kind) => !STATEMENT_KIND_NAMES.includes(normalizeKindName(kind)));
  return unknown !== undefined ? unknownKind(unknown) : kindsUseProblem(kinds, use);
}

/** Where a kind name is used: DENY and review rules match families; ALLOW names exact kinds. */
export type KindUse = "DENY" | "ALLOW" | "REVIEW";

/** Why a rule used this way cannot name this (valid) kind, or null when it can. */
export function kindUseProblem(name: string, use: KindUse): string | null {
  const kind = normalizeKindName(name);
  if (use === "ALLOW") {
    return REPORTED_KINDS.has(kind) || ALLOW_ONLY_KINDS.has(kind)
      ? null
      : `${kind} is a family of kinds; an ALLOW rule names exact kinds (${familyExamples(kind)}), so it relaxes no more than it says`;
  }
  return ALLOW_ONLY_KINDS.has(kind)
    ? `${kind} only relaxes a built-in default (effect ALLOW): it is already denied, and a ${use === "DENY" ? "DENY" : "review"} rule for it never matches`
    : null;
}

function familyExamples(family: string): string {
  const members = [...REPORTED_KINDS].filter((kind) => kind.startsWith(`${family} `)).sort();
  return `e.g. ${members.slice(0, 3).join(", ")}`;
}

/** The first problem of a kind list for this use (the list itself already validated). */
export function kindsUseProblem(kinds: readonly string[], use: KindUse): string | null {
  for (const kind of kinds) {
    const problem = kindUseProblem(kind, use);
    if (problem) return problem;
  }
  return null;
}

/** Each guardrail kind's parameters; the store keeps them as JSON, files as YAML. */
export const ZGuardrailMatch = {
  STATEMENT_KIND: z.object({ kinds: z.array(ZStatementKindName).min(1) }),
  TABLE: z.object({ tables: ZPatterns, access: z.enum(["read", "write", "any"]).default("any") }),
  COLUMN: z.object({ columns: ZPatterns }),
  FUNCTION: z.object({ functions: ZPatterns }),
  MISSING_WHERE: z.object({ kinds: z.array(z.enum(["UPDATE", "DELETE"])).min(1) }),
  MULTI_STATEMENT: z.object({}),
  /** `values` (ALLOW only): the values the rule allows, `*` for any run of characters; absent, any value. */
  SETTING: z.object({
    settings: ZPatterns,
    values: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe("ALLOW only: the values allowed, exact, * for any run of characters; absent: any value"),
  }),
  READ_ONLY: z.object({}),
  /** HTTP connections only; a Postgres connection never sees one (the loader keeps them apart). */
  HTTP_REQUEST: ZHttpRequestMatch,
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
  kinds: z
    .array(ZStatementKindName)
    .superRefine((kinds, context) => {
      const problem = kindsUseProblem(kinds, "REVIEW");
      if (problem) context.addIssue({ code: "custom", message: problem });
    })
    .optional(),
  tables: z.array(z.string()).optional(),
  columns: z.array(z.string()).optional(),
});

/**
 * A review rule's table or column pattern that can never match, where a rule is written (API,
 * policy file): the field and why, or null. A stored one still loads (it holds nothing, as before).
 */
export function reviewMatchProblem(match: {
  tables?: readonly string[] | undefined;
  columns?: readonly string[] | undefined;
}): PatternProblem | null {
  return reviewPatternProblem(match);
}

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
  /**
   * Why the connection's stored rules could not be read (one no longer validates, say after an
   * upgrade narrowed what a rule may say): every statement on it is refused until an admin fixes it.
   */
  invalidRules?: string;
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
  // Only what would change the rule's meaning: a stored ALLOW of a pinned setting (refused as input
  // since) relaxes nothing, so it does not make the whole connection's rules unreadable.
  const problem = guardrailKindsProblem(kind, raw.effect, parsed.data);
  if (problem) throw new Error(`guardrail "${raw.name}": match.kinds ${problem}`);
  return {
    name: raw.name,
    kind,
    effect: raw.effect,
    match: parsed.data,
    ...(raw.message ? { message: raw.message } : {}),
  } as GuardrailRule;
}

/**
 * A rule's match checked against its kind and effect, beyond what the kind's schema says, where a
 * rule is written (API, policy file): the field that needs attention (`match.kinds`,
 * `match.settings`, `match.values`, `match.tables`, `match.columns`) and why, or null.
 */
export function guardrailMatchProblem(
  kind: GuardrailKind,
  effect: string,
  match: unknown,
): { field: "kinds" | "settings" | "values" | "tables" | "columns"; message: string } | null {
  const kinds = guardrailKindsProblem(kind, effect, match);
  if (kinds) return { field: "kinds", message: kinds };
  const patterns = guardrailPatternProblem(kind, match);
  if (patterns) return patterns;
  if (kind !== "SETTING") return null;
  const { settings, values } = match as { settings?: unknown; values?: unknown };
  if (values !== undefined && effect !== "ALLOW") {
    return {
      field: "values",
      message:
        "values narrow an ALLOW rule to the values it allows; a DENY SETTING rule refuses every change of the setting, so leave values out",
    };
  }
  if (effect !== "ALLOW" || !Array.isArray(settings)) return null;
  for (const name of settings.map((s) => String(s).toLowerCase())) {
    const never = NEVER_ALLOWABLE.get(name);
    if (never) return { field: "settings", message: `${name} can never be allowed: ${never}` };
  }
  const unreadable = unreadableBoolValue(settings.map(String), values);
  return unreadable ? { field: "values", message: unreadable } : null;
}

/**
 * A value that no setting of a rule naming only boolean settings could ever have (the server
 * refuses it): the admin meant something else, and the rule would silently allow nothing. A
 * pattern with `*` is left alone.
 */
function unreadableBoolValue(settings: readonly string[], values: unknown): string | null {
  if (!Array.isArray(values) || settings.length === 0) return null;
  if (!settings.every((name) => settingValueKind(name) === "bool")) return null;
  const bad = values.map(String).find((value) => !value.includes("*") && parseServerBool(value) === null);
  if (bad === undefined) return null;
  return `${settings[0]} is on or off (true/false, yes/no, 1/0 say the same); the server refuses ${JSON.stringify(bad)}`;
}

/** A STATEMENT_KIND rule's kinds checked against its effect; null for every other rule. */
export function guardrailKindsProblem(kind: GuardrailKind, effect: string, match: unknown): string | null {
  if (kind !== "STATEMENT_KIND") return null;
  const kinds = (match as { kinds?: unknown }).kinds;
  return Array.isArray(kinds)
    ? kindsUseProblem(kinds.map(String), effect === "ALLOW" ? "ALLOW" : "DENY")
    : null;
}
