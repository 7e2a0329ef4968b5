"use client";

import type { AgentView } from "@sluice/admin/agent-view";
import { useState } from "react";
import {
  buttonClass,
  Card,
  FormError,
  SubmitForm,
  secondaryButtonClass,
  splitNames,
  TextField,
} from "@/client/ui";
import { useFieldErrors } from "@/client/use-field-errors";
import type { ResourceSave } from "@/client/use-resource";
import { draftOf, readDraft, type WorkloadDraft } from "./workload-draft";
import { WorkloadFields } from "./workload-fields";

/** What a save sends: the form as shown, groups split, the workload identity as read from its fields. */
export type AgentInput = {
  name: string;
  description: string;
  groups: string[];
  isDisabled: boolean;
  workloadIdentity: unknown;
};

/**
 * Creates or edits an agent through the agents list's shared save (its toast, its refresh). The workload identity is always sent as shown, so saving other
 * fields never drops a mapping the form displayed.
 */
export function AgentForm({
  agent,
  save,
  onDone,
}: {
  agent: AgentView | null;
  save: ResourceSave<AgentView, AgentInput>;
  onDone: (created: AgentView | null) => void;
}) {
  const [form, setForm] = useState({
    name: agent?.name ?? "",
    description: agent?.description ?? "",
    groups: agent?.groups.join(", ") ?? "",
    isDisabled: agent?.isDisabled ?? false,
  });
  const [workload, setWorkload] = useState<WorkloadDraft>(draftOf(agent?.workloadIdentity));
  const [claimsError, setClaimsError] = useState<string | null>(null);
  const { errors, edited } = useFieldErrors(save.error);
  const submit = () => {
    const read = readDraft(workload);
    setClaimsError(read.ok ? null : read.claimsError);
    if (!read.ok) return;
    save.mutate(
      {
        id: agent?.id,
        name: form.name,
        input: { ...form, groups: splitNames(form.groups), workloadIdentity: read.identity },
      },
      { onSuccess: (saved) => onDone(agent ? null : saved) },
    );
  };
  // A new agent with a workload identity gets no static token: its platform's tokens sign it in.
  const isWorkloadOnly = !agent && Object.values(workload).some((value) => value.trim() !== "");
  return (
    <Card title={agent ? `Edit ${agent.name}` : "New agent"}>
      <SubmitForm className="grid grid-cols-1 gap-4 md:grid-cols-3" onSubmit={submit}>
        <TextField
          id="agent-name"
          label="Name"
          error={errors.name}
          hint="The user name in its connection string"
          value={form.name}
          onChange={(value) => {
            edited("name");
            setForm({ ...form, name: value });
          }}
        />
        <TextField
          id="agent-groups"
          label="Groups"
          error={errors.groups}
          hint="Comma-separated, e.g. analysts"
          value={form.groups}
          onChange={(value) => {
            edited("groups");
            setForm({ ...form, groups: value });
          }}
        />
        <TextField
          id="agent-description"
          label="Description"
          error={errors.description}
          value={form.description}
          onChange={(value) => {
            edited("description");
            setForm({ ...form, description: value });
          }}
        />
        <WorkloadFields
          draft={workload}
          errors={errors}
          claimsError={claimsError}
          onChange={(field, value) => {
            edited(`workloadIdentity.${field}`);
            if (field === "claims") setClaimsError(null);
            setWorkload({ ...workload, [field]: value });
          }}
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
            {agent ? "Save" : isWorkloadOnly ? "Create agent" : "Create agent and issue a token"}
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
