"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
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

type AuditRow = {
  id: string;
  at: string;
  actorType: string;
  actorName: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  before: unknown;
  after: unknown;
  metadata: unknown;
};
type Page = { events: AuditRow[]; next: string | null };

export function AuditLog() {
  const [action, setAction] = useState("");
  const events = useInfiniteQuery({
    queryKey: ["audit", action],
    initialPageParam: null as string | null,
    getNextPageParam: (page: Page) => page.next,
    queryFn: ({ pageParam }) =>
      api<Page>(
        `/audit-events?${new URLSearchParams({ ...(action ? { action } : {}), ...(pageParam ? { before: pageParam } : {}) })}`,
      ),
  });
  const rows = events.data?.pages.flatMap((page) => page.events) ?? [];
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Who changed what, with before and after (secrets redacted); sign-ins; gateway denials."
      />
      <div className="mb-4 max-w-xs">
        <Field
          id="audit-action"
          label="Action starts with"
          hint="e.g. connection., agent.credential, user.sign_in"
        >
          <input
            id="audit-action"
            className={inputClass}
            value={action}
            onChange={(event) => setAction(event.target.value)}
          />
        </Field>
      </div>
      <ErrorBanner error={events.error} />
      <Card>
        {rows.length === 0 && !events.isLoading ? (
          <EmptyState>No events match.</EmptyState>
        ) : (
          <Table head={["When", "Who", "Action", "Target", "Change"]}>
            {rows.map((event) => (
              <tr key={event.id} data-testid="audit-row">
                <td className="whitespace-nowrap px-2 py-2 text-xs">{new Date(event.at).toLocaleString()}</td>
                <td className="px-2 py-2 text-xs">{event.actorName}</td>
                <td className="px-2 py-2 font-mono text-xs">{event.action}</td>
                <td className="px-2 py-2 text-xs">
                  {event.targetType ? `${event.targetType} ${event.targetId ?? ""}` : ""}
                </td>
                <td className="px-2 py-2">
                  {event.before || event.after ? (
                    <details>
                      <summary className="cursor-pointer text-xs text-sky-700">before / after</summary>
                      <div className="grid grid-cols-2 gap-2">
                        <pre className="overflow-x-auto rounded bg-slate-100 p-2 text-[10px]">
                          {JSON.stringify(event.before, null, 1)}
                        </pre>
                        <pre className="overflow-x-auto rounded bg-slate-100 p-2 text-[10px]">
                          {JSON.stringify(event.after, null, 1)}
                        </pre>
                      </div>
                    </details>
                  ) : (
                    <span className="font-mono text-[10px] text-slate-500">
                      {JSON.stringify(event.metadata)}
                    </span>
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
