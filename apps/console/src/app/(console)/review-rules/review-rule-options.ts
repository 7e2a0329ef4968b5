import type { RuleApi } from "@sluice/admin/api-contract";
import { splitNames } from "@/client/ui";
import {
  describeHttpMatch,
  EMPTY_HTTP_MATCH,
  type HttpMatchForm,
  httpMatchFormOf,
  httpMatchOf,
  isHttpMatch,
} from "../http-match";

export type ReviewerGroup = { id: string; name: string; idpGroup: string; description: string | null };

export type ReviewRuleView = RuleApi["review-rules"]["view"];
type ReviewRuleInput = RuleApi["review-rules"]["input"];

/** The facts a database statement is matched on. */
type SqlMatch = { kinds?: string[]; tables?: string[]; columns?: string[] };

/** The form keeps expiry in minutes, like the review window reviewers pick when they approve. */
export type ReviewRuleForm = {
  name: string;
  connectionId: string | null;
  /** What the rule matches: statements (database connections) or calls (an HTTP connection). */
  matchKind: "sql" | "http";
  kinds: string;
  tables: string;
  columns: string;
  http: HttpMatchForm;
  reviewerGroups: string;
  mode: "ANY_OF" | "ALL_OF";
  minApprovals: string;
  expiresMinutes: string;
  isBlocking: boolean;
};

export const EMPTY_REVIEW_RULE_FORM: ReviewRuleForm = {
  name: "",
  connectionId: null,
  matchKind: "sql",
  kinds: "",
  tables: "",
  columns: "",
  http: EMPTY_HTTP_MATCH,
  reviewerGroups: "",
  mode: "ANY_OF",
  minApprovals: "1",
  expiresMinutes: "10",
  isBlocking: true,
};

export function formOf(rule: ReviewRuleView): ReviewRuleForm {
  const match = sqlMatchOf(rule.match);
  return {
    name: rule.name,
    connectionId: rule.connectionId,
    matchKind: isHttpMatch(rule.match) ? "http" : "sql",
    kinds: (match.kinds ?? []).join(", "),
    tables: (match.tables ?? []).join(", "),
    columns: (match.columns ?? []).join(", "),
    http: httpMatchFormOf(rule.match),
    reviewerGroups: rule.reviewerGroups.join(", "),
    mode: rule.mode,
    minApprovals: String(rule.minApprovals),
    expiresMinutes: String(rule.timeoutSeconds / 60),
    isBlocking: rule.isBlocking,
  };
}

/** The API's input for a form; an HTTP match the form cannot read is reported on its field. */
export function inputOf(form: ReviewRuleForm): ReviewRuleInput {
  return {
    name: form.name,
    connectionId: form.connectionId,
    match:
      form.matchKind === "http"
        ? httpMatchOf(form.http)
        : {
            ...(form.kinds ? { kinds: splitNames(form.kinds).map((kind) => kind.toUpperCase()) } : {}),
            ...(form.tables ? { tables: splitNames(form.tables) } : {}),
            ...(form.columns ? { columns: splitNames(form.columns) } : {}),
          },
    reviewerGroups: splitNames(form.reviewerGroups),
    mode: form.mode,
    minApprovals: Number(form.minApprovals),
    // Minutes may be fractional (0.5); the store keeps whole seconds.
    timeoutSeconds:
      form.expiresMinutes.trim() === "" ? Number.NaN : Math.round(Number(form.expiresMinutes) * 60),
    isBlocking: form.isBlocking,
  };
}

/** The stored match read as a database one (its lists), whatever else it holds. */
function sqlMatchOf(stored: unknown): SqlMatch {
  const record = (typeof stored === "object" && stored !== null ? stored : {}) as Record<string, unknown>;
  const list = (key: string) => (Array.isArray(record[key]) ? record[key].map(String) : undefined);
  return { kinds: list("kinds"), tables: list("tables"), columns: list("columns") };
}

/** A rule's match in words: "kinds DELETE, UPDATE · tables public.employees", or an HTTP call's. */
export function describeReviewMatch(stored: ReviewRuleView["match"]): string {
  if (isHttpMatch(stored)) return describeHttpMatch(stored);
  const match = sqlMatchOf(stored);
  const parts = [
    match.kinds?.length ? `kinds ${match.kinds.join(", ")}` : null,
    match.tables?.length ? `tables ${match.tables.join(", ")}` : null,
    match.columns?.length ? `columns ${match.columns.join(", ")}` : null,
  ];
  return parts.filter(Boolean).join(" · ");
}

/** Expiry as people read it: "90 s", "10 min", "2 h 30 min". */
export function describeExpiry(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}
