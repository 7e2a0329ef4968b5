"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/client/api";
import {
  Badge,
  Card,
  EmptyState,
  ErrorBanner,
  Field,
  inputClass,
  PageHeader,
  secondaryButtonClass,
  Table,
} from "@/client/ui";

type SessionRow = {
  id: string;
  agentName: string;
  connectionName: string;
  clientAddress: string;
  isTls: boolean;
  startedAt: string;
  endedAt: string | null;
  endReason: string | null;
  statementCount: number;
  deniedCount: number;
  heldCount: number;
  maskedCount: number;
};
type Page = { sessions: SessionRow[]; next: string | null };

export function SessionsList() {
  const [filter, setFilter] = useState({ agent: "", connection: "" });
  const sessions = useInfiniteQuery({
    queryKey: ["sessions", filter],
    initialPageParam: null as string | null,
    getNextPageParam: (page: Page) => page.next,
    queryFn: ({ pageParam }) => {
      const query = new URLSearchParams({
        ...(filter.agent ? { agent: filter.agent } : {}),
        ...(filter.connection ? { connection: filter.connection } : {}),
        ...(pageParam ? { before: pageParam } : {}),
      });
      return api<Page>(`/sessions?${query}`);
    },
  });
  const rows = sessions.data?.pages.flatMap((page) => page.sessions) ?? [];
  return (
    <>
      <PageHeader title="Sessions" description="Every agent connection through the gateway, newest first." />
      <div className="mb-4 grid max-w-xl grid-cols-2 gap-3">
        <Field id="filter-agent" label="Agent">
          <input
            id="filter-agent"
            className={inputClass}
            value={filter.agent}
            onChange={(event) => setFilter({ ...filter, agent: event.target.value })}
          />
        </Field>
        <Field id="filter-connection" label="Connection">
          <input
            id="filter-connection"
            className={inputClass}
            value={filter.connection}
            onChange={(event) => setFilter({ ...filter, connection: event.target.value })}
          />
        </Field>
      </div>
      <ErrorBanner error={sessions.error} />
      <Card>
        {rows.length === 0 && !sessions.isLoading ? (
          <EmptyState>
            No sessions yet. Connect an agent with its connection string and it appears here.
          </EmptyState>
        ) : (
          <Table
            head={["Started", "Agent", "Connection", "Client", "Statements", "Blocked", "Masked", "Ended"]}
          >
            {rows.map((session) => (
              <tr key={session.id}>
                <td className="px-2 py-2 text-xs">{new Date(session.startedAt).toLocaleString()}</td>
                <td className="px-2 py-2 font-medium">{session.agentName}</td>
                <td className="px-2 py-2">{session.connectionName}</td>
                <td className="px-2 py-2 text-xs">
                  {session.clientAddress} {session.isTls ? <Badge tone="green">TLS</Badge> : null}
                </td>
                <td className="px-2 py-2">{session.statementCount}</td>
                <td className="px-2 py-2">
                  {session.deniedCount ? <Badge tone="red">{session.deniedCount}</Badge> : 0}
                </td>
                <td className="px-2 py-2">{session.maskedCount}</td>
                <td className="px-2 py-2 text-xs">
                  {session.endedAt ? (session.endReason ?? "closed") : <Badge tone="sky">live</Badge>}
                </td>
              </tr>
            ))}
          </Table>
        )}
        {sessions.hasNextPage ? (
          <button
            type="button"
            className={`${secondaryButtonClass} mt-3`}
            onClick={() => void sessions.fetchNextPage()}
          >
            Older sessions
          </button>
        ) : null}
      </Card>
    </>
  );
}
