"use client";

import type { AgentActivity } from "@sluice/admin/agent-activity";
import type { AgentView } from "@sluice/admin/agent-view";
import type { ConnectionView } from "@sluice/admin/connection-view";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { api } from "@/client/api";
import { useGatewayAddresses } from "@/client/gateway-address";
import { queryKeys } from "@/client/query-keys";
import { Badge, Card, EmptyState, ErrorBanner, PageHeader, Table } from "@/client/ui";
import { connectInstructions } from "../../connections/connect-snippets";
import type { GatewayAddress } from "../connection-snippets";
import { CredentialButtons, CredentialList, useCredentialActions } from "../credential-actions";
import { CredentialReveal } from "../credential-reveal";
import { WorkloadCard } from "../workload-snippet";

/** JSON turns the activity's dates into strings on the way to the browser. */
type Activity = Omit<AgentActivity, "lastSeenAt"> & { lastSeenAt: string | null };

/** A live agent's page moves: new sessions and denials show up without a reload. */
const ACTIVITY_REFRESH_MS = 5000;

/** One agent: when it was last seen, what it ran, what was refused, its tokens and how it connects. */
export function AgentPage({ id, gateway }: { id: string; gateway: GatewayAddress }) {
  const agent = useQuery({
    queryKey: queryKeys.agents.detail(id),
    queryFn: () => api<AgentView>(`/agents/${id}`),
  });
  const activity = useQuery({
    queryKey: [...queryKeys.agents.detail(id), "activity"],
    queryFn: () => api<Activity>(`/agents/${id}/activity`),
    refetchInterval: ACTIVITY_REFRESH_MS,
  });
  const credentials = useCredentialActions();
  const view = agent.data;
  return (
    <>
      <PageHeader
        title={view ? `Agent ${view.name}` : "Agent"}
        description={
          view?.description ?? "What this agent ran, what was refused, its tokens and how it connects."
        }
        action={
          <Link href="/agents" className="text-sm text-sky-700 underline">
            All agents
          </Link>
        }
      />
      <ErrorBanner error={agent.error ?? activity.error ?? credentials.error} />
      {credentials.issued ? (
        <div className="mb-6">
          <CredentialReveal issued={credentials.issued} gateway={gateway} onClose={credentials.closeIssued} />
        </div>
      ) : null}
      {view ? (
        <div className="grid gap-6">
          <Summary agent={view} activity={activity.data ?? null} />
          <Card title="Credentials">
            <div className="flex flex-wrap items-start justify-between gap-4 text-xs">
              <div className="grid gap-1">
                <CredentialList agent={view} actions={credentials} />
              </div>
              <div className="flex gap-2">
                <CredentialButtons agent={view} actions={credentials} />
              </div>
            </div>
          </Card>
          <ConnectCard agent={view} />
          {view.workloadIdentity ? (
            <WorkloadCard
              gateway={gateway}
              agentName={view.name}
              identity={view.workloadIdentity}
              connections={view.connections}
            />
          ) : null}
          {activity.data ? <SessionsCard activity={activity.data} /> : null}
          {activity.data ? <DenialsCard activity={activity.data} /> : null}
        </div>
      ) : null}
    </>
  );
}

function Summary({ agent, activity }: { agent: AgentView; activity: Activity | null }) {
  const totals = activity?.totals;
  const facts: [string, string | number][] = [
    ["Last seen", activity ? lastSeenText(activity) : "…"],
    ["Groups", agent.groups.join(", ") || "none"],
    ["Connections", agent.connections.join(", ") || "none"],
    [`Sessions (${totals?.days ?? 30} days)`, totals?.sessions ?? "…"],
    ["Statements", totals?.statements ?? "…"],
    ["Denied", totals?.denied ?? "…"],
    ["Held", totals?.held ?? "…"],
    ["Masked", totals?.masked ?? "…"],
  ];
  return (
    <Card title="Overview">
      {agent.isDisabled ? (
        <p className="mb-3">
          <Badge tone="red">disabled</Badge> its tokens are refused
        </p>
      ) : null}
      <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm md:grid-cols-4" data-testid="agent-summary">
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt className="text-xs uppercase text-slate-500">{label}</dt>
            <dd className="font-medium" data-testid={`agent-fact-${label.split(" ")[0]?.toLowerCase()}`}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

function lastSeenText(activity: Activity): string {
  if (activity.liveSessions > 0) return `now (${activity.liveSessions} live)`;
  if (!activity.lastSeenAt) return "never";
  return new Date(activity.lastSeenAt).toLocaleString();
}

/**
 * The token is shown once when issued; here the addresses carry a placeholder in its place. Each
 * connection's kind picks its listener and form (a Postgres URI for a MySQL connection is refused).
 */
function ConnectCard({ agent }: { agent: AgentView }) {
  const addresses = useGatewayAddresses();
  const connections = useQuery({
    queryKey: queryKeys.connections.list(),
    queryFn: () => api<ConnectionView[]>("/connections"),
  });
  const typeOf = (name: string) => connections.data?.find((candidate) => candidate.name === name)?.type;
  return (
    <Card title="How it connects">
      {agent.connections.length === 0 ? (
        <EmptyState>
          {agent.workloadIdentity
            ? "This agent is in no group of its own: the connections it reaches come from its workload token's groups."
            : "This agent is in no group that a connection allows yet."}
        </EmptyState>
      ) : (
        <ul className="grid gap-2">
          {agent.connections.map((connection) => {
            const type = typeOf(connection);
            const address = type
              ? connectInstructions(addresses, { type, agent: agent.name, token: "TOKEN", connection })
                  .address
              : null;
            return (
              <li key={connection} data-testid={`agent-connect-${connection}`}>
                <p className="text-xs font-medium text-slate-600">
                  {connection} {type ? <Badge>{type.toLowerCase()}</Badge> : null}
                </p>
                {address ? (
                  <code className="block whitespace-pre-wrap break-all rounded bg-slate-100 px-3 py-2 text-xs">
                    {address.code}
                  </code>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
      <p className="mt-2 text-xs text-slate-600">
        TOKEN is a token issued to this agent (shown once when issued, with snippets for each client).
      </p>
    </Card>
  );
}

function SessionsCard({ activity }: { activity: Activity }) {
  return (
    <Card title="Latest sessions">
      {activity.sessions.length === 0 ? (
        <EmptyState>No sessions yet.</EmptyState>
      ) : (
        <Table head={["Started", "Connection", "Client", "Statements", "Blocked", "Held", "Masked", "Ended"]}>
          {activity.sessions.map((session) => (
            <tr key={session.id} data-testid="agent-session-row">
              <td className="px-2 py-2 text-xs">
                <Link href={`/sessions/${session.id}`} className="text-sky-700 underline">
                  {new Date(session.startedAt).toLocaleString()}
                </Link>
              </td>
              <td className="px-2 py-2">{session.connectionName}</td>
              <td className="px-2 py-2 text-xs">{session.clientAddress}</td>
              <td className="px-2 py-2">{session.statementCount}</td>
              <td className="px-2 py-2">
                {session.deniedCount ? <Badge tone="red">{session.deniedCount}</Badge> : 0}
              </td>
              <td className="px-2 py-2">
                {session.heldCount ? <Badge tone="amber">{session.heldCount}</Badge> : 0}
              </td>
              <td className="px-2 py-2">{session.maskedCount}</td>
              <td className="px-2 py-2 text-xs">
                {session.refusal ? (
                  <Badge tone="red">refused: {session.refusal}</Badge>
                ) : session.endedAt ? (
                  (session.endReason ?? "closed")
                ) : (
                  <Badge tone="sky">live</Badge>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
      <Link
        href={`/sessions?agent=${encodeURIComponent(activity.agentName)}`}
        className="mt-3 inline-block text-sm text-sky-700 underline"
      >
        All sessions of {activity.agentName}
      </Link>
    </Card>
  );
}

function DenialsCard({ activity }: { activity: Activity }) {
  return (
    <Card title="Latest denied statements">
      {activity.denials.length === 0 ? (
        <EmptyState>Nothing this agent ran was denied.</EmptyState>
      ) : (
        <ul className="grid gap-3" data-testid="agent-denials">
          {activity.denials.map((denial) => (
            <li key={denial.id} className="text-sm">
              <div className="flex flex-wrap items-center gap-2 text-xs text-slate-600">
                {new Date(denial.at).toLocaleString()}
                {denial.rule ? <Badge tone="red">{denial.rule}</Badge> : null}
                <Link href={`/sessions/${denial.sessionId}`} className="text-sky-700 underline">
                  Replay the session
                </Link>
              </div>
              <code className="block whitespace-pre-wrap break-all text-xs">{denial.statement}</code>
              {denial.message ? <p className="text-xs text-slate-600">{denial.message}</p> : null}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
