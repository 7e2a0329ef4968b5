"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { api } from "@/client/api";
import { Badge, Card, EmptyState, ErrorBanner, PageHeader, Table } from "@/client/ui";

type ReviewRow = {
  id: string;
  number: number;
  status: string;
  statement: string;
  requestedAt: string;
  expiresAt: string;
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

export function ReviewsList() {
  const reviews = useQuery({
    queryKey: ["reviews"],
    queryFn: () => api<ReviewRow[]>("/reviews"),
    refetchInterval: 2_000,
  });
  return (
    <>
      <PageHeader
        title="Reviews"
        description="Statements that review rules held for a human decision, pending first. The list refreshes on its own every two seconds."
      />
      <ErrorBanner error={reviews.error} />
      <Card>
        {reviews.data?.length === 0 ? (
          <EmptyState>Nothing is waiting for review.</EmptyState>
        ) : (
          <Table head={["Review", "Status", "Agent", "Connection", "Rule", "Statement", "Requested"]}>
            {reviews.data?.map((review) => (
              <tr key={review.id}>
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
                <td className="px-2 py-2 text-xs">{new Date(review.requestedAt).toLocaleString()}</td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </>
  );
}
