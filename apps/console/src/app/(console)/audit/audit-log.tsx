"use client";

import type { AuditFieldChange } from "@sluice/admin/audit-change";
import type { AuditTarget } from "@sluice/admin/audit-targets";
import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { api } from "@/client/api";
import {
  Card,
  EmptyState,
  ErrorBanner,
  Field,
  inputClass,
  PageHeader,
  secondaryButtonClass,
  Table,
} from "@/client/ui";
import { AuditChangeList, AuditDetails } from "./audit-change-list";

type AuditRow = {
  id: string;
  at: string;
  actorType: string;
  actorName: string;
  action: string;
  targetType: string | null;
  target: AuditTarget | null;
  sessionId: string | null;
  changes: AuditFieldChange[];
  metadata: unknown;
};
type Page = { events: AuditRow[]; next: string | null };

/** The filters, kept in the page's URL so a filtered view can be shared and survives a reload. */
const FILTERS = ["action", "actor", "targetType"] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

const TARGET_TYPES = [
  "agent",
  "api_token",
  "connection",
  "guardrail",
  "masking_rule",
  "review",
  "review_rule",
  "reviewer_group",
  "role_mapping",
  "session",
  "user",
];

export function AuditLog() {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const filters = Object.fromEntries(FILTERS.map((key) => [key, searchParams.get(key) ?? ""])) as Filters;
  const setFilter = (key: keyof Filters, value: string) => {
    const next = new URLSearchParams(searchParams.toString());
    if (value) next.set(key, value);
    else next.delete(key);
    router.replace(`${pathname}${next.size ? `?${next}` : ""}`, { scroll: false });
  };
  const events = useInfiniteQuery({
    queryKey: ["audit", filters],
    initialPageParam: null as string | null,
    getNextPageParam: (page: Page) => page.next,
    queryFn: ({ pageParam }) => {
      const query = new URLSearchParams(Object.entries(filters).filter(([, value]) => value));
      if (pageParam) query.set("before", pageParam);
      return api<Page>(`/audit-events?${query}`);
    },
  });
  const rows = events.data?.pages.flatMap((page) => page.events) ?? [];
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Who changed what, field by field (secrets redacted); sign-ins; gateway denials."
      />
      <div className="mb-4 grid max-w-3xl grid-cols-1 gap-4 md:grid-cols-3">
        <Field id="audit-action" label="Action starts with" hint="e.g. connection., agent.credential">
          <input
            id="audit-action"
            className={inputClass}
            value={filters.action}
            onChange={(event) => setFilter("action", event.target.value)}
          />
        </Field>
        <Field id="audit-actor" label="Who" hint="part of an email or agent name">
          <input
            id="audit-actor"
            className={inputClass}
            value={filters.actor}
            onChange={(event) => setFilter("actor", event.target.value)}
          />
        </Field>
        <Field id="audit-target-type" label="Target">
          <select
            id="audit-target-type"
            className={inputClass}
            value={filters.targetType}
            onChange={(event) => setFilter("targetType", event.target.value)}
          >
            <option value="">any</option>
            {TARGET_TYPES.map((type) => (
              <option key={type} value={type}>
                {type.replace("_", " ")}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <ErrorBanner error={events.error} />
      <Card>
        {rows.length === 0 && !events.isLoading ? (
          <EmptyState>No events match.</EmptyState>
        ) : (
          <Table head={["When", "Who", "Action", "Target", "What"]}>
            {rows.map((event) => (
              <tr key={event.id} data-testid="audit-row" className="align-top">
                <td className="whitespace-nowrap px-2 py-2 text-xs">{new Date(event.at).toLocaleString()}</td>
                <td className="px-2 py-2 text-xs">{event.actorName}</td>
                <td className="px-2 py-2 font-mono text-xs">{event.action}</td>
                <td className="px-2 py-2 text-xs" data-testid="audit-target">
                  <AuditTargetCell event={event} />
                </td>
                <td className="max-w-xl px-2 py-2">
                  {event.changes.length > 0 ? (
                    <AuditChangeList changes={event.changes} />
                  ) : (
                    <AuditDetails metadata={event.metadata} />
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
        {events.hasNextPage ? (
          <button
            type="button"
            className={`${secondaryButtonClass} mt-3`}
            onClick={() => void events.fetchNextPage()}
          >
            Older events
          </button>
        ) : null}
      </Card>
    </>
  );
}

function AuditTargetCell({ event }: { event: AuditRow }) {
  const session = event.sessionId ? (
    <Link className="block text-sky-800 underline" href={`/sessions/${event.sessionId}`}>
      session {event.sessionId.slice(0, 8)}
    </Link>
  ) : null;
  if (!event.target) return session;
  const label = `${event.targetType?.replace("_", " ")} ${event.target.name}`;
  return (
    <>
      {event.target.href ? (
        <Link className="text-sky-800 underline" href={event.target.href}>
          {label}
        </Link>
      ) : (
        label
      )}
      {session}
    </>
  );
}
