"use client";

import type { AgentView } from "@sluice/admin/agent-view";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { api, fieldErrors } from "@/client/api";
import { ConfirmButton } from "@/client/confirm-button";
import { useToast } from "@/client/toast";
import {
  Badge,
  buttonClass,
  Card,
  EmptyState,
  ErrorBanner,
  FormError,
  PageHeader,
  SubmitForm,
  secondaryButtonClass,
  splitNames,
  Table,
  TextField,
} from "@/client/ui";
import type { GatewayAddress } from "./connection-snippets";
import { CredentialButtons, CredentialList, useCredentialActions } from "./credential-actions";
import { CredentialReveal } from "./credential-reveal";

export function AgentsPanel({ gateway }: { gateway: GatewayAddress }) {
  const queryClient = useQueryClient();
  const agents = useQuery({ queryKey: ["agents"], queryFn: () => api<AgentView[]>("/agents") });
  const [editing, setEditing] = useState<AgentView | "new" | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["agents"] });
  const toast = useToast();
  const credentials = useCredentialActions();
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
      {credentials.issued ? (
        <div className="mb-6">
          <CredentialReveal issued={credentials.issued} gateway={gateway} onClose={credentials.closeIssued} />
        </div>
      ) : null}
      {editing ? (
        <div className="mb-6">
          <AgentForm
            agent={editing === "new" ? null : editing}
            onDone={(created) => {
              setEditing(null);
              void refresh();
              if (created) credentials.issue.mutate({ id: created.id, rotate: false });
            }}
          />
        </div>
      ) : null}
      <ErrorBanner error={agents.error ?? credentials.error ?? remove.error} />
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
                  <Link href={`/agents/${agent.id}`} className="font-medium text-sky-700 underline">
                    {agent.name}
                  </Link>{" "}
                  {agent.isDisabled ? <Badge tone="red">disabled</Badge> : null}
                  {agent.description ? <p className="text-xs text-slate-500">{agent.description}</p> : null}
                </td>
                <td className="px-2 py-2">
                  {agent.groups.join(", ") || <span className="text-slate-500">none</span>}
                </td>
                <td className="px-2 py-2 text-xs">
                  <CredentialList agent={agent} actions={credentials} />
                </td>
                <td className="px-2 py-2">
                  <div className="flex flex-wrap justify-end gap-2">
                    <CredentialButtons agent={agent} actions={credentials} />
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

function AgentForm({
  agent,
  onDone,
}: {
  agent: AgentView | null;
  onDone: (created: AgentView | null) => void;
}) {
  const [form, setForm] = useState({
    name: agent?.name ?? "",
    description: agent?.description ?? "",
    groups: agent?.groups.join(", ") ?? "",
    isDisabled: agent?.isDisabled ?? false,
  });
  const save = useMutation({
    mutationFn: () =>
      api<AgentView>(agent ? `/agents/${agent.id}` : "/agents", {
        method: agent ? "PATCH" : "POST",
        body: { ...form, groups: splitNames(form.groups) },
      }),
    onSuccess: (saved) => onDone(agent ? null : saved),
  });
  const errors = fieldErrors(save.error);
  return (
    <Card title={agent ? `Edit ${agent.name}` : "New agent"}>
      <SubmitForm className="grid grid-cols-1 gap-4 md:grid-cols-3" onSubmit={() => save.mutate()}>
        <TextField
          id="agent-name"
          label="Name"
          error={errors.name}
          hint="The user name in its connection string"
          value={form.name}
          onChange={(value) => setForm({ ...form, name: value })}
        />
        <TextField
          id="agent-groups"
          label="Groups"
          error={errors.groups}
          hint="Comma-separated, e.g. analysts"
          value={form.groups}
          onChange={(value) => setForm({ ...form, groups: value })}
        />
        <TextField
          id="agent-description"
          label="Description"
          error={errors.description}
          value={form.description}
          onChange={(value) => setForm({ ...form, description: value })}
        />
        <label className="flex items-center gap-2 text-sm md:col-span-3">
          <input
            type="checkbox"
            checked={form.isDisabled}
            onChange={(event) => setForm({ ...form, isDisabled: event.target.checked })}
          />
          Disabled (ends its live sessions)
        </label>
        <div className="flex gap-2 md:col-span-3">
          <button type="submit" className={buttonClass} disabled={save.isPending}>
            {agent ? "Save" : "Create agent and issue a token"}
          </button>
          <button type="button" className={secondaryButtonClass} onClick={() => onDone(null)}>
            Cancel
          </button>
        </div>
        <div className="md:col-span-3">
          <FormError error={save.error} />
        </div>
      </SubmitForm>
    </Card>
  );
}
