"use client";

import type { AgentView } from "@sluice/admin/agent-view";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/client/api";
import { ConfirmButton } from "@/client/confirm-button";
import { useToast } from "@/client/toast";
import {
  Badge,
  buttonClass,
  Card,
  EmptyState,
  ErrorBanner,
  PageHeader,
  secondaryButtonClass,
  Table,
} from "@/client/ui";
import { AgentForm } from "./agent-form";
import type { GatewayAddress } from "./connection-snippets";
import { CredentialReveal, type IssuedCredential } from "./credential-reveal";
import { RotationGrace } from "./rotation-grace";
import { WorkloadSnippet } from "./workload-snippet";

export function AgentsPanel({ gateway }: { gateway: GatewayAddress }) {
  const queryClient = useQueryClient();
  const agents = useQuery({ queryKey: ["agents"], queryFn: () => api<AgentView[]>("/agents") });
  const [editing, setEditing] = useState<AgentView | "new" | null>(null);
  const [issued, setIssued] = useState<IssuedCredential | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["agents"] });
  const toast = useToast();
  const [graceMinutes, setGraceMinutes] = useState(0);
  const issue = useMutation({
    mutationFn: ({ id, rotate, graceMinutes = 0 }: { id: string; rotate: boolean; graceMinutes?: number }) =>
      api<IssuedCredential>(`/agents/${id}/credentials`, { method: "POST", body: { rotate, graceMinutes } }),
    onSuccess: (result, variables) => {
      setIssued(result);
      if (variables.rotate) toast(`Tokens of ${result.agentName} rotated`);
      void refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: ({ agentId, credentialId }: { agentId: string; credentialId: string }) =>
      api(`/agents/${agentId}/credentials/${credentialId}`, { method: "DELETE" }),
    onSuccess: () => {
      toast("Credential revoked");
      return refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api(`/agents/${id}`, { method: "DELETE" }),
    onSuccess: () => {
      toast("Agent deleted");
      return refresh();
    },
  });

  return (
    <>
      <PageHeader
        title="Agents"
        description="Machine identities. An agent connects with its name and a token Sluice issues; its groups decide which connections it may use and which masking exemptions apply."
        action={
          <button type="button" className={buttonClass} onClick={() => setEditing("new")}>
            New agent
          </button>
        }
      />
      {issued ? (
        <div className="mb-6">
          <CredentialReveal issued={issued} gateway={gateway} onClose={() => setIssued(null)} />
        </div>
      ) : null}
      {editing ? (
        <div className="mb-6">
          <AgentForm
            agent={editing === "new" ? null : editing}
            onDone={(created) => {
              setEditing(null);
              void refresh();
              // A workload agent needs no static token: its platform's short-lived ones sign it in.
              if (created && !created.workloadIdentity) issue.mutate({ id: created.id, rotate: false });
            }}
          />
        </div>
      ) : null}
      <ErrorBanner error={agents.error ?? issue.error ?? revoke.error ?? remove.error} />
      <Card>
        {agents.data?.length === 0 ? (
          <EmptyState>
            No agents yet. Create one; its first token is issued at once with a connection string to copy.
          </EmptyState>
        ) : (
          <Table head={["Agent", "Groups", "Credentials", ""]}>
            {agents.data?.map((agent) => (
              <tr key={agent.id} data-testid={`agent-${agent.name}`}>
                <td className="px-2 py-2">
                  <span className="font-medium">{agent.name}</span>{" "}
                  {agent.isDisabled ? <Badge tone="red">disabled</Badge> : null}
                  {agent.description ? <p className="text-xs text-slate-500">{agent.description}</p> : null}
                  {agent.workloadIdentity ? (
                    <WorkloadSnippet
                      gateway={gateway}
                      agentName={agent.name}
                      identity={agent.workloadIdentity}
                      connections={agent.connections}
                    />
                  ) : null}
                </td>
                <td className="px-2 py-2">
                  {agent.groups.join(", ") || <span className="text-slate-500">none</span>}
                </td>
                <td className="px-2 py-2 text-xs">
                  {agent.credentials.length === 0 ? <span className="text-slate-500">none</span> : null}
                  {agent.credentials.map((credential) => (
                    <div key={credential.id} className="flex items-center gap-2">
                      <code>{credential.fingerprint}</code>
                      {credential.expiresAt && !credential.revokedAt ? (
                        <span className="text-slate-600" data-testid="credential-expiry">
                          until {new Date(credential.expiresAt).toLocaleString()}
                        </span>
                      ) : null}
                      {credential.revokedAt ? (
                        <Badge tone="red">revoked</Badge>
                      ) : (
                        <ConfirmButton
                          label="Revoke"
                          accessibleName={`Revoke credential ${credential.fingerprint} of agent ${agent.name}`}
                          title={`Revoke credential ${credential.fingerprint}?`}
                          impact={`Sessions of ${agent.name} that signed in with this token end within a second, and the token is refused from now on. This cannot be undone; issue a new token instead.`}
                          confirmLabel="Revoke credential"
                          onConfirm={() => revoke.mutate({ agentId: agent.id, credentialId: credential.id })}
                        />
                      )}
                    </div>
                  ))}
                </td>
                <td className="px-2 py-2">
                  <div className="flex flex-wrap justify-end gap-2">
                    <button
                      type="button"
                      className={secondaryButtonClass}
                      aria-label={`Issue token for agent ${agent.name}`}
                      onClick={() => issue.mutate({ id: agent.id, rotate: false })}
                    >
                      Issue token
                    </button>
                    <ConfirmButton
                      label="Rotate"
                      tone="neutral"
                      accessibleName={`Rotate the tokens of agent ${agent.name}`}
                      title={`Rotate the tokens of ${agent.name}?`}
                      impact={
                        <RotationGrace
                          agentName={agent.name}
                          minutes={graceMinutes}
                          onChange={setGraceMinutes}
                        />
                      }
                      confirmLabel="Rotate tokens"
                      onConfirm={() => issue.mutate({ id: agent.id, rotate: true, graceMinutes })}
                    />
                    <button
                      type="button"
                      className={secondaryButtonClass}
                      aria-label={`Edit agent ${agent.name}`}
                      onClick={() => setEditing(agent)}
                    >
                      Edit
                    </button>
                    <ConfirmButton
                      label="Delete"
                      accessibleName={`Delete agent ${agent.name}`}
                      title={`Delete agent ${agent.name}?`}
                      impact={`Its live sessions end within a second and every token it holds stops working. Recordings of its past sessions are kept. This cannot be undone.`}
                      confirmLabel="Delete agent"
                      onConfirm={() => remove.mutate(agent.id)}
                    />
                  </div>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </>
  );
}
