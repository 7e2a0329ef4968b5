"use client";

import type { ConnectionView } from "@sluice/admin/connection-view";
import type { ConnectionTestResult } from "@sluice/admin/test-connection";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/client/api";
import { ConfirmButton } from "@/client/confirm-button";
import { useGatewayAddresses } from "@/client/gateway-address";
import { ResourceTable } from "@/client/resource-table";
import { Badge, buttonClass, Card, ErrorBanner, PageHeader, secondaryButtonClass } from "@/client/ui";
import { useResource } from "@/client/use-resource";
import { ConnectInstructionsView } from "./connect-instructions";
import { connectInstructions } from "./connect-snippets";
import { ConnectionForm } from "./connection-form";
import { type ConnectionInput, describeUpstream, KIND_LABELS } from "./connection-form-state";

export function ConnectionsPanel() {
  const connections = useResource<ConnectionView, ConnectionInput>({
    name: "connections",
    path: "/connections",
    noun: "connection",
    nameOf: (connection) => connection.name,
  });
  const gateway = useGatewayAddresses();
  const [editing, setEditing] = useState<ConnectionView | "new" | null>(null);
  /** The connection whose "how agents connect" snippets are open. */
  const [showing, setShowing] = useState<ConnectionView | null>(null);
  const [tests, setTests] = useState<Record<string, ConnectionTestResult>>({});
  const test = useMutation({
    mutationFn: (id: string) => api<ConnectionTestResult>(`/connections/${id}/test`, { method: "POST" }),
    onSuccess: (result, id) => setTests((current) => ({ ...current, [id]: result })),
  });
  const open = (target: ConnectionView | "new") => {
    connections.save.reset();
    setEditing(target);
  };

  return (
    <>
      <PageHeader
        title="Connections"
        description="Upstream databases and HTTP APIs the gateway brokers. Agents name a connection as the database of their connection string (or the first segment of their URL); the password or secret stays here, encrypted."
        action={
          <button type="button" className={buttonClass} onClick={() => open("new")}>
            New connection
          </button>
        }
      />
      {editing ? (
        <div className="mb-6">
          <ConnectionForm
            connection={editing === "new" ? null : editing}
            save={connections.save}
            onDone={() => setEditing(null)}
          />
        </div>
      ) : null}
      {showing ? (
        <div className="mb-6">
          <Card title={`How agents connect to ${showing.name} (${KIND_LABELS[showing.type]})`}>
            <p className="mb-3 text-sm text-slate-600">
              Replace AGENT and TOKEN with an agent's name and token: a token is shown once, when it is issued
              on the Agents page, with these snippets filled in.
            </p>
            <ConnectInstructionsView
              instructions={connectInstructions(gateway, {
                type: showing.type,
                connection: showing.name,
                agent: "AGENT",
                token: "TOKEN",
              })}
            />
            <button type="button" className={`${secondaryButtonClass} mt-4`} onClick={() => setShowing(null)}>
              Close
            </button>
          </Card>
        </div>
      ) : null}
      <ErrorBanner error={connections.listError ?? test.error} />
      <ResourceTable
        rows={connections.list.data}
        head={["Name", "Kind", "Upstream", "Agent groups", "Mode", "Test"]}
        empty="No connections yet. Create one for the database your agents should reach, then test it."
        rowTestId={(connection) => `connection-${connection.name}`}
        cells={(connection) => (
          <>
            <td className="px-2 py-2 font-medium">{connection.name}</td>
            <td className="px-2 py-2" data-testid="connection-kind">
              {KIND_LABELS[connection.type]}
            </td>
            <td className="px-2 py-2 font-mono text-xs break-all">{describeUpstream(connection)}</td>
            <td className="px-2 py-2">
              {connection.allowedGroups.join(", ") || <span className="text-slate-500">none</span>}
            </td>
            <td className="space-x-1 px-2 py-2">
              {connection.isDisabled ? <Badge tone="red">disabled</Badge> : null}
              {connection.isReadOnly ? <Badge tone="sky">read-only</Badge> : null}
              {connection.isStrictMasking ? <Badge tone="amber">strict masking</Badge> : null}
              <Badge>{connection.tlsMode.toLowerCase().replace("_", "-")}</Badge>
            </td>
            <td className="px-2 py-2 text-xs" data-testid="test-result">
              <TestResult result={tests[connection.id]} />
            </td>
          </>
        )}
        actions={(connection) => (
          <>
            {connection.type !== "HTTP" ? (
              <button
                type="button"
                className={secondaryButtonClass}
                aria-label={`Test connection ${connection.name}`}
                disabled={test.isPending}
                onClick={() => test.mutate(connection.id)}
              >
                Test
              </button>
            ) : null}
            <button
              type="button"
              className={secondaryButtonClass}
              aria-label={`How agents connect to ${connection.name}`}
              onClick={() => setShowing(connection)}
            >
              Connect
            </button>
            <button
              type="button"
              className={secondaryButtonClass}
              aria-label={`Edit connection ${connection.name}`}
              onClick={() => open(connection)}
            >
              Edit
            </button>
            <ConfirmButton
              label="Delete"
              accessibleName={`Delete connection ${connection.name}`}
              title={`Delete connection ${connection.name}?`}
              impact="Its masking rules, guardrails and review rules are deleted with it. A connection that has recorded sessions cannot be deleted, so its history keeps its name: disable it instead. This cannot be undone."
              confirmLabel="Delete connection"
              onConfirm={() => connections.remove.mutate(connection)}
            />
          </>
        )}
      />
    </>
  );
}

function TestResult({ result }: { result: ConnectionTestResult | undefined }) {
  if (!result) return null;
  return result.ok ? (
    <span className="text-emerald-700">
      ok · {result.engine} {result.serverVersion} as {result.user} ({result.millis} ms)
    </span>
  ) : (
    <span className="text-red-700">{result.error}</span>
  );
}
