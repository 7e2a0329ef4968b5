import { columnPatternProblem, patternsProblem, tablePatternProblem } from "./patterns";

/** A rule's table or column pattern that can never match: the match field, and why. */
export type PatternProblem = { field: "tables" | "columns"; message: string };

/**
 * Why a guardrail's TABLE or COLUMN patterns can never match, or null; `match` as the store keeps
 * it (any JSON). The API and the policy file refuse such a pattern, but a rule stored before they
 * did still loads and is listed as active while it never fires: the console's lists and
 * `sluice policy` say so with this.
 */
export function guardrailPatternProblem(kind: string, match: unknown): PatternProblem | null {
  if (kind === "TABLE") return listProblem("tables", match, tablePatternProblem);
  if (kind === "COLUMN") return listProblem("columns", match, columnPatternProblem);
  return null;
}

/** Why a review rule's table or column patterns can never match, or null (an HTTP match has none). */
export function reviewPatternProblem(match: unknown): PatternProblem | null {
  return (
    listProblem("tables", match, tablePatternProblem) ?? listProblem("columns", match, columnPatternProblem)
  );
}

function listProblem(
  field: PatternProblem["field"],
  match: unknown,
  check: (pattern: string) => string | null,
): PatternProblem | null {
  if (typeof match !== "object" || match === null) return null;
  const patterns = (match as Record<string, unknown>)[field];
  // Anything but a list is the kind's schema's to refuse, where the rule is loaded.
  if (!Array.isArray(patterns)) return null;
  const message = patternsProblem(patterns.map(String), check);
  return message ? { field, message } : null;
}
