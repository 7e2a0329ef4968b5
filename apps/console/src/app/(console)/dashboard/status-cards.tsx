"use client";

import Link from "next/link";
import { Badge, Card, EmptyState } from "@/client/ui";
import { Countdown } from "../reviews/countdown";
import type { Overview } from "./overview-types";

export function PendingReviewsCard({ pending }: { pending: NonNullable<Overview["pendingReviews"]> }) {
  return (
    <Card title={`Waiting for review · ${pending.count}`}>
      {pending.oldest.length === 0 ? (
        <EmptyState>Nothing is waiting for a reviewer.</EmptyState>
      ) : (
        <ul className="space-y-1 text-sm">
          {pending.oldest.map((review) => (
            <li key={review.id} className="flex justify-between gap-2">
              <Link href={`/reviews/${review.id}`} className="text-sky-700 underline">
                R-{review.number} · {review.agentName} on {review.connectionName}
              </Link>
              <span className="shrink-0 text-slate-600">
                expires <Countdown until={review.expiresAt} />
              </span>
            </li>
          ))}
        </ul>
      )}
      <Link href="/reviews?status=pending" className="mt-2 inline-block text-sm text-sky-700 underline">
        Open the inbox
      </Link>
    </Card>
  );
}

export function RecentDenialsCard({ denials }: { denials: NonNullable<Overview["recentDenials"]> }) {
  return (
    <Card title="Latest denials">
      {denials.length === 0 ? (
        <EmptyState>No statement has been refused yet.</EmptyState>
      ) : (
        <ul className="space-y-2 text-sm">
          {denials.map((denial) => (
            <li key={denial.id}>
              <span className="text-slate-600">{new Date(denial.at).toLocaleString()}</span> ·{" "}
              {denial.sessionId ? (
                <Link href={`/sessions/${denial.sessionId}`} className="text-sky-700 underline">
                  {denial.agentName}
                </Link>
              ) : (
                denial.agentName
              )}{" "}
              by <Badge tone="red">{denial.rule ?? "a rule"}</Badge>
              <code className="block truncate font-mono text-xs text-slate-700">{denial.statement}</code>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

/** Gateways by heartbeat; the store is reachable whenever this card has data at all. */
export function HealthCard({
  health,
  storeError,
}: {
  health: Overview["health"] | null;
  storeError: boolean;
}) {
  return (
    <Card title="Gateway health">
      <p className="mb-2 text-sm" data-testid="store-health">
        Store:{" "}
        {storeError ? (
          <Badge tone="red">unreachable from the console</Badge>
        ) : (
          <Badge tone="green">reachable</Badge>
        )}
      </p>
      {health && health.gateways.length === 0 ? (
        <EmptyState>No gateway has reported in: start one with `pnpm start`.</EmptyState>
      ) : (
        <ul className="space-y-1 text-sm" data-testid="gateway-health">
          {health?.gateways.map((gateway) => (
            <li key={gateway.id} className="flex justify-between gap-2">
              <span className="truncate font-mono text-xs">{gateway.id}</span>
              <span className="shrink-0">
                {gateway.isAlive ? <Badge tone="green">alive</Badge> : <Badge tone="red">silent</Badge>}{" "}
                {gateway.openSessions} open sessions · seen {new Date(gateway.seenAt).toLocaleTimeString()}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
