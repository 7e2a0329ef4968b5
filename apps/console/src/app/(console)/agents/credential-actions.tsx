"use client";

import type { AgentView } from "@sluice/admin/agent-view";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/client/api";
import { ConfirmButton } from "@/client/confirm-button";
import { useToast } from "@/client/toast";
import { Badge, secondaryButtonClass } from "@/client/ui";
import type { IssuedCredential } from "./credential-reveal";
import { RotationGrace } from "./rotation-grace";

/**
 * Issuing, rotating and revoking an agent's tokens, shared by the agents list and the agent page so
 * both say the same thing before a token stops working.
 */
export function useCredentialActions() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [issued, setIssued] = useState<IssuedCredential | null>(null);
  const [graceMinutes, setGraceMinutes] = useState(0);
  // Every agent query (the list and each agent page) shows credentials, so all of them refresh.
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["agents"] });
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
  return {
    issue,
    revoke,
    issued,
    closeIssued: () => setIssued(null),
    graceMinutes,
    setGraceMinutes,
    error: issue.error ?? revoke.error,
  };
}
export type CredentialActions = ReturnType<typeof useCredentialActions>;

/** Each credential by fingerprint, with its expiry and a confirmed Revoke. */
export function CredentialList({ agent, actions }: { agent: AgentView; actions: CredentialActions }) {
  if (agent.credentials.length === 0) return <span className="text-slate-500">none</span>;
  return (
    <>
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
              onConfirm={() => actions.revoke.mutate({ agentId: agent.id, credentialId: credential.id })}
            />
          )}
        </div>
      ))}
    </>
  );
}

/** Issue a token now, or rotate (old tokens end after the chosen grace window). */
export function CredentialButtons({ agent, actions }: { agent: AgentView; actions: CredentialActions }) {
  return (
    <>
      <button
        type="button"
        className={secondaryButtonClass}
        aria-label={`Issue token for agent ${agent.name}`}
        onClick={() => actions.issue.mutate({ id: agent.id, rotate: false })}
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
            minutes={actions.graceMinutes}
            onChange={actions.setGraceMinutes}
          />
        }
        confirmLabel="Rotate tokens"
        onConfirm={() =>
          actions.issue.mutate({ id: agent.id, rotate: true, graceMinutes: actions.graceMinutes })
        }
      />
    </>
  );
}
