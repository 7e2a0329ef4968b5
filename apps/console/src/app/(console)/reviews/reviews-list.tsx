"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { api } from "@/client/api";
import { Badge, Card, EmptyState, ErrorBanner, PageHeader, Table } from "@/client/ui";
import { Countdown } from "./countdown";
import { REVIEW_STATUSES, reviewListKey, reviewStatusOf } from "./review-statuses";

type ReviewRow = {
  id: string;
  number: number;
  status: string;
  statement: string;
  requestedAt: string;
  expiresAt: string;
  decidedAt: string | null;
  agentName: string;
  connectionName: string;
  ruleName: string | null;
};

const TONES: Record<string, "amber" | "green" | "red" | "slate"> = {
  PENDING: "amber",
  APPROVED: "green",
  EXECUTED: "green",
  DENIED: "red",
};

const EMPTY: Record<string, string> = {
  all: "No statement has been held for review yet.",
  pending: "Nothing is waiting for review.",
  decided: "No review has been decided yet.",
};

function when(at: string | null): string {
  return at ? new Date(at).toLocaleString() : "";
}

export function ReviewsList() {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const status = reviewStatusOf(searchParams.get("status"));
  const reviews = useQuery({
    queryKey: reviewListKey(status),
    queryFn: () => api<ReviewRow[]>(`/reviews?status=${status}`),
    refetchInterval: 2_000,
  });
  return (
    <>
      <PageHeader
        title="Reviews"
        description="Statements that review rules held for a human decision: pending first, the one expiring soonest on top, then decisions newest first. The list refreshes on its own every two seconds."
      />
      <nav aria-label="Review status" className="mb-4 flex gap-2">
        {REVIEW_STATUSES.map((option) => (
          <button
            key={option.value}
            type="button"
            aria-pressed={status === option.value}
            className={`rounded-md border px-3 py-1 text-sm ${
              status === option.value
                ? "border-sky-700 bg-sky-50 text-sky-900"
                : "border-slate-300 text-slate-700"
            }`}
            onClick={() =>
              router.replace(option.value === "all" ? pathname : `${pathname}?status=${option.value}`, {
                scroll: false,
              })
            }
          >
            {option.label}
          </button>
        ))}
      </nav>
      <ErrorBanner error={reviews.error} />
      <Card>
        {reviews.data?.length === 0 ? (
          <EmptyState>{EMPTY[status]}</EmptyState>
        ) : (
          <Table
            head={[
              "Review",
              "Status",
              "Agent",
              "Connection",
              "Rule",
              "Statement",
              "Requested",
              "Decided / expires",
            ]}
          >
            {reviews.data?.map((review) => (
              <tr key={review.id} data-testid={`review-row-${review.number}`}>
                <td className="px-2 py-2 font-medium">
                  <Link href={`/reviews/${review.id}`} className="text-sky-700 underline">
                    R-{review.number}
                  </Link>
                </td>
                <td className="px-2 py-2">
                  <Badge tone={TONES[review.status] ?? "slate"}>{review.status.toLowerCase()}</Badge>
                </td>
                <td className="px-2 py-2">{review.agentName}</td>
                <td className="px-2 py-2">{review.connectionName}</td>
                <td className="px-2 py-2">{review.ruleName ?? ""}</td>
                <td className="max-w-md truncate px-2 py-2 font-mono text-xs">{review.statement}</td>
                <td className="px-2 py-2 text-xs">{when(review.requestedAt)}</td>
                <td className="px-2 py-2 text-xs" data-testid="review-when">
                  {review.status === "PENDING" ? (
                    <>
                      expires <Countdown until={review.expiresAt} />
                    </>
                  ) : (
                    when(review.decidedAt)
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </>
  );
}
