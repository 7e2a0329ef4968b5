"use client";

import type { AgentView } from "@sluice/admin/agent-view";
import Link from "next/link";
import { useState } from "react";
import { ConfirmButton } from "@/client/confirm-button";
import { ResourceTable } from "@/client/resource-table";
import { Badge, buttonClass, ErrorBanner, PageHeader, secondaryButtonClass } from "@/client/ui";
import { useResource } from "@/client/use-resource";
import { AgentForm, type AgentInput } from "./agent-form";
import type { GatewayAddress } from "./connection-snippets";
import { CredentialButtons, CredentialList, useCredentialActions } from "./credential-actions";
import { CredentialReveal } from "./credential-reveal";

/** The agents list: the query key, path and toasts every agent view shares. */
export const AGENT_RESOURCE = {
  name: "agents",
  path: "/agents",
  noun: "agent",
  nameOf: (agent: AgentView) => agent.name,
};

export function AgentsPanel({ gateway }: { gateway: GatewayAddress }) {
  const agents = useResource<AgentView, AgentInput>(AGENT_RESOURCE);
  const [editing, setEditing] = useState<AgentView | "new" | null>(null);
  const credentials = useCredentialActions();
  const open = (target: AgentView | "new") => {
    agents.save.reset();
    setEditing(target);
  };

  return (
    <>
      <PageHeader
        title="Agents"
        description="Machine identities. An agent connects with its name and a token Sluice issues; its groups decide which connections it may use and which masking exemptions apply."
        action={
          <button type="button" className={buttonClass} onClick={() => open("new")}>
            New agent
          </button>
        }
      />
      {credentials.issued ? (
        <div className="mb-6">
          <CredentialReveal issued={credentials.issued} gateway={gateway} onClose={credentials.closeIssued} />
        </div>
      ) : null}
      {editing ? (
        <div className="mb-6">
          <AgentForm
            agent={editing === "new" ? null : editing}
            save={agents.save}
            onDone={(created) => {
              setEditing(null);
              // A workload agent needs no static token: its platform's short-lived ones sign it in.
              if (created && !created.workloadIdentity)
                credentials.issue.mutate({ id: created.id, rotate: false });
            }}
          />
        </div>
      ) : null}
      <ErrorBanner error={agents.listError ?? credentials.error} />
      <ResourceTable
        rows={agents.list.data}
        head={["Agent", "Groups", "Credentials"]}
        empty="No agents yet. Create one; its first token is issued at once with a connection string to copy."
        rowTestId={(agent) => `agent-${agent.name}`}
        cells={(agent) => (
          <>
            <td className="px-2 py-2">
              <Link href={`/agents/${agent.id}`} className="font-medium text-sky-700 underline">
                {agent.name}
              </Link>{" "}
              {agent.isDisabled ? <Badge tone="red">disabled</Badge> : null}
              {agent.description ? <p className="text-xs text-slate-500">{agent.description}</p> : null}
              {agent.workloadIdentity ? <Badge tone="slate">workload token</Badge> : null}
            </td>
            <td className="px-2 py-2">
              {agent.groups.join(", ") || <span className="text-slate-500">none</span>}
            </td>
            <td className="px-2 py-2 text-xs">
              <CredentialList agent={agent} actions={credentials} />
            </td>
          </>
        )}
        actions={(agent) => (
          <>
            <CredentialButtons agent={agent} actions={credentials} />
            <button
              type="button"
              className={secondaryButtonClass}
              aria-label={`Edit agent ${agent.name}`}
              onClick={() => open(agent)}
            >
              Edit
            </button>
            <ConfirmButton
              label="Delete"
              accessibleName={`Delete agent ${agent.name}`}
              title={`Delete agent ${agent.name}?`}
              impact="Every token it holds stops working at once. An agent that has recorded sessions cannot be deleted, so its history keeps its name: disable it instead. This cannot be undone."
              confirmLabel="Delete agent"
              onConfirm={() => agents.remove.mutate(agent)}
            />
          </>
        )}
      />
    </>
  );
}
