"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/client/api";
import { ConfirmButton } from "@/client/confirm-button";
import { useToast } from "@/client/toast";
import { buttonClass, Card, EmptyState, FormError, SubmitForm, Table, TextField } from "@/client/ui";
import { useFieldErrors } from "@/client/use-field-errors";
import type { ReviewerGroup } from "./review-rule-options";

const EMPTY = { name: "", idpGroup: "", description: "" };

/** Teams of reviewers, each mapped from an identity-provider group. */
export function ReviewerGroupsCard({
  groups,
  onChanged,
}: {
  groups: ReviewerGroup[] | undefined;
  onChanged: () => Promise<unknown>;
}) {
  const toast = useToast();
  const [group, setGroup] = useState(EMPTY);
  const save = useMutation({
    mutationFn: () => api("/reviewer-groups", { method: "POST", body: group }),
    onSuccess: () => {
      toast(`Reviewer group ${group.name} saved`);
      setGroup(EMPTY);
      void onChanged();
    },
  });
  const remove = useMutation({
    mutationFn: (item: ReviewerGroup) => api(`/reviewer-groups/${item.id}`, { method: "DELETE" }),
    onSuccess: (_result, item) => {
      toast(`Reviewer group ${item.name} deleted`);
      void onChanged();
    },
  });
  const { errors, edited } = useFieldErrors(save.error);
  return (
    <Card title="Reviewer groups">
      <SubmitForm className="mb-4 grid grid-cols-1 gap-3 md:grid-cols-2" onSubmit={() => save.mutate()}>
        <TextField
          id="group-name"
          label="Name"
          error={errors.name}
          value={group.name}
          onChange={(value) => {
            setGroup({ ...group, name: value });
            edited("name");
          }}
        />
        <TextField
          id="group-idp"
          label="Identity-provider group"
          error={errors.idpGroup}
          value={group.idpGroup}
          onChange={(value) => {
            setGroup({ ...group, idpGroup: value });
            edited("idpGroup");
          }}
        />
        <div>
          <button type="submit" className={buttonClass} disabled={save.isPending}>
            Add reviewer group
          </button>
        </div>
        <FormError error={save.error ?? remove.error} />
      </SubmitForm>
      {groups?.length === 0 ? (
        <EmptyState>No reviewer groups. Add one for each team that approves statements.</EmptyState>
      ) : (
        <Table head={["Name", "IdP group", ""]}>
          {groups?.map((item) => (
            <tr key={item.id}>
              <td className="px-2 py-2 font-medium">{item.name}</td>
              <td className="px-2 py-2 font-mono text-xs">{item.idpGroup}</td>
              <td className="px-2 py-2 text-right">
                <ConfirmButton
                  label="Delete"
                  accessibleName={`Delete reviewer group ${item.name}`}
                  title={`Delete reviewer group ${item.name}?`}
                  impact="Its members can no longer approve statements held by rules that name it; a rule left with no reviewer group refuses what it would have held. Re-create the group to undo."
                  confirmLabel="Delete group"
                  onConfirm={() => remove.mutate(item)}
                />
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Card>
  );
}
