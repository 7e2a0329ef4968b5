/** The inbox's status filter, read the same way by the page (for its prefetch) and the list. */
export const REVIEW_STATUSES = [
  { value: "all", label: "All" },
  { value: "pending", label: "Pending" },
  { value: "decided", label: "Decided" },
] as const;

export type ReviewStatus = (typeof REVIEW_STATUSES)[number]["value"];

/** The `status` of the URL when it is one of the filters, else "all". */
export function reviewStatusOf(requested: string | null | undefined): ReviewStatus {
  return REVIEW_STATUSES.find((status) => status.value === requested)?.value ?? "all";
}

/** The inbox's query key for a filter: the page's prefetch fills the key the list reads. */
export const reviewListKey = (status: ReviewStatus) => ["reviews", status] as const;
