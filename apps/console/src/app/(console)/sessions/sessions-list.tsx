"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
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
  TextField,
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
type Filter = { agent: string; connection: string; table: string; verdict: string; from: string; to: string };

const TEXT_FILTERS = [
  { key: "agent", label: "Agent" },
  { key: "connection", label: "Connection" },
  { key: "table", label: "Table touched" },
] as const;

const FILTER_KEYS = ["agent", "connection", "table", "verdict", "from", "to"] as const;

export function SessionsList() {
  // Filters live in the URL: a filtered list can be shared, reloaded, and linked from the dashboard.
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const filter = Object.fromEntries(FILTER_KEYS.map((key) => [key, searchParams.get(key) ?? ""])) as Filter;
  const setFilter = (next: Filter) => {
    const query = new URLSearchParams(FILTER_KEYS.filter((key) => next[key]).map((key) => [key, next[key]]));
    router.replace(`${pathname}${query.size ? `?${query}` : ""}`, { scroll: false });
  };
  const sessions = useInfiniteQuery({
    queryKey: ["sessions", filter],
    initialPageParam: null as string | null,
    getNextPageParam: (page: Page) => page.next,
    queryFn: ({ pageParam }) => {
      const query = new URLSearchParams();
      for (const key of ["agent", "connection", "table", "verdict"] as const)
        if (filter[key]) query.set(key, filter[key]);
      if (filter.from) query.set("from", new Date(filter.from).toISOString());
      if (filter.to) query.set("to", new Date(filter.to).toISOString());
      if (pageParam) query.set("before", pageParam);
      return api<Page>(`/sessions?${query}`);
    },
  });
  const rows = sessions.data?.pages.flatMap((page) => page.sessions) ?? [];
  return (
    <>
      <PageHeader
        title="Sessions"
        description="Every agent connection through the gateway, newest first. Open one to replay what the agent did and saw."
      />
      <div className="mb-4 grid grid-cols-2 gap-3 md:grid-cols-6">
        {TEXT_FILTERS.map(({ key, label }) => (
          <Field key={key} id={`filter-${key}`} label={label}>
            <input
              id={`filter-${key}`}
              className={inputClass}
              value={filter[key]}
              onChange={(event) => setFilter({ ...filter, [key]: event.target.value })}
            />
          </Field>
        ))}
        <Field id="filter-verdict" label="Verdict">
          <select
            id="filter-verdict"
            className={inputClass}
            value={filter.verdict}
            onChange={(event) => setFilter({ ...filter, verdict: event.target.value })}
          >
            <option value="">any</option>
            <option value="denied">had a denial</option>
            <option value="held">had a hold</option>
            <option value="masked">had masking</option>
          </select>
        </Field>
        <TextField
          id="filter-from"
          label="From"
          type="datetime-local"
          value={filter.from}
          onChange={(value) => setFilter({ ...filter, from: value })}
        />
        <TextField
          id="filter-to"
          label="To"
          type="datetime-local"
          value={filter.to}
          onChange={(value) => setFilter({ ...filter, to: value })}
        />
      </div>
      <ErrorBanner error={sessions.error} />
      <Card>
        {rows.length === 0 && !sessions.isLoading ? (
          <EmptyState>
            No sessions match. Connect an agent with its connection string and it appears here.
          </EmptyState>
        ) : (
          <Table
            head={[
              "Started",
              "Agent",
              "Connection",
              "Client",
              "Statements",
              "Blocked",
              "Held",
              "Masked",
              "Ended",
            ]}
          >
            {rows.map((session) => (
              <tr key={session.id} data-testid="session-row">
                <td className="px-2 py-2 text-xs">
                  <Link href={`/sessions/${session.id}`} className="text-sky-700 underline">
                    {new Date(session.startedAt).toLocaleString()}
                  </Link>
                </td>
                <td className="px-2 py-2 font-medium">{session.agentName}</td>
                <td className="px-2 py-2">{session.connectionName}</td>
                <td className="px-2 py-2 text-xs">
                  {session.clientAddress} {session.isTls ? <Badge tone="green">TLS</Badge> : null}
                </td>
                <td className="px-2 py-2">{session.statementCount}</td>
                <td className="px-2 py-2">
                  {session.deniedCount ? <Badge tone="red">{session.deniedCount}</Badge> : 0}
                </td>
                <td className="px-2 py-2">
                  {session.heldCount ? <Badge tone="amber">{session.heldCount}</Badge> : 0}
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
