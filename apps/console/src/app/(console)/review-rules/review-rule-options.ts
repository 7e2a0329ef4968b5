export type ReviewerGroup = { id: string; name: string; idpGroup: string; description: string | null };

export type ReviewRuleView = {
  id: string;
  name: string;
  connectionId: string | null;
  connectionName: string | null;
  match: { kinds?: string[]; tables?: string[]; columns?: string[] };
  reviewerGroups: string[];
  mode: "ANY_OF" | "ALL_OF";
  minApprovals: number;
  timeoutSeconds: number;
  isBlocking: boolean;
  isEnabled: boolean;
};

/** The form keeps expiry in minutes, like the review window reviewers pick when they approve. */
export type ReviewRuleForm = {
  name: string;
  connectionId: string | null;
  kinds: string;
  tables: string;
  columns: string;
  reviewerGroups: string;
  mode: "ANY_OF" | "ALL_OF";
  minApprovals: string;
  expiresMinutes: string;
  isBlocking: boolean;
};

export const EMPTY_REVIEW_RULE_FORM: ReviewRuleForm = {
  name: "",
  connectionId: null,
  kinds: "",
  tables: "",
  columns: "",
  reviewerGroups: "",
  mode: "ANY_OF",
  minApprovals: "1",
  expiresMinutes: "10",
  isBlocking: true,
};

export function formOf(rule: ReviewRuleView): ReviewRuleForm {
  return {
    name: rule.name,
    connectionId: rule.connectionId,
    kinds: (rule.match.kinds ?? []).join(", "),
    tables: (rule.match.tables ?? []).join(", "),
    columns: (rule.match.columns ?? []).join(", "),
    reviewerGroups: rule.reviewerGroups.join(", "),
    mode: rule.mode,
    minApprovals: String(rule.minApprovals),
    expiresMinutes: String(rule.timeoutSeconds / 60),
    isBlocking: rule.isBlocking,
  };
}

export function bodyOf(form: ReviewRuleForm, splitNames: (text: string) => string[]) {
  return {
    name: form.name,
    connectionId: form.connectionId,
    match: {
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

/** A rule's match in words: "kinds DELETE, UPDATE · tables public.employees". */
export function describeReviewMatch(match: ReviewRuleView["match"]): string {
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
