"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, fieldErrors } from "@/client/api";
import { ConfirmButton } from "@/client/confirm-button";
import { useToast } from "@/client/toast";
import {
  Badge,
  buttonClass,
  Card,
  ErrorBanner,
  Field,
  FormError,
  inputClass,
  PageHeader,
  SubmitForm,
  secondaryButtonClass,
  Table,
  TextField,
} from "@/client/ui";

type User = {
  id: string;
  email: string;
  name: string | null;
  idpGroups: string[];
  roles: string[];
  isDisabled: boolean;
  lastLoginAt: string | null;
};
type Mapping = { id: string; idpGroup: string; role: string };

export function PeoplePanel({ selfId }: { selfId: string }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const users = useQuery({ queryKey: ["users"], queryFn: () => api<User[]>("/users") });
  const mappings = useQuery({ queryKey: ["role-mappings"], queryFn: () => api<Mapping[]>("/role-mappings") });
  const [mapping, setMapping] = useState({ idpGroup: "", role: "REVIEWER" });
  const addMapping = useMutation({
    mutationFn: () => api("/role-mappings", { method: "POST", body: mapping }),
    onSuccess: () => {
      setMapping({ ...mapping, idpGroup: "" });
      void queryClient.invalidateQueries({ queryKey: ["role-mappings"] });
    },
  });
  const removeMapping = useMutation({
    mutationFn: (id: string) => api(`/role-mappings/${id}`, { method: "DELETE" }),
    onSuccess: () => {
      toast("Role mapping removed");
      return queryClient.invalidateQueries({ queryKey: ["role-mappings"] });
    },
  });
  const setDisabled = useMutation({
    mutationFn: (user: User) =>
      api(`/users/${user.id}`, { method: "PATCH", body: { isDisabled: !user.isDisabled } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["users"] }),
  });
  const errors = fieldErrors(addMapping.error);
  return (
    <>
      <PageHeader
        title="People & roles"
        description="Roles come from identity-provider groups, mapped here and applied at each sign-in. People appear after their first sign-in."
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Group → role mappings">
          <SubmitForm className="mb-4 flex flex-wrap items-end gap-3" onSubmit={() => addMapping.mutate()}>
            <TextField
              id="mapping-group"
              label="IdP group"
              error={errors.idpGroup}
              value={mapping.idpGroup}
              onChange={(value) => setMapping({ ...mapping, idpGroup: value })}
            />
            <Field id="mapping-role" label="Role" error={errors.role}>
              <select
                id="mapping-role"
                className={inputClass}
                value={mapping.role}
                onChange={(event) => setMapping({ ...mapping, role: event.target.value })}
              >
                <option value="ADMIN">admin</option>
                <option value="REVIEWER">reviewer</option>
                <option value="AUDITOR">auditor</option>
              </select>
            </Field>
            <button type="submit" className={buttonClass}>
              Map
            </button>
          </SubmitForm>
          <FormError error={addMapping.error} />
          <ErrorBanner error={removeMapping.error} />
          <Table head={["IdP group", "Role", ""]}>
            {mappings.data?.map((item) => (
              <tr key={item.id}>
                <td className="px-2 py-2 font-mono text-xs">{item.idpGroup}</td>
                <td className="px-2 py-2">{item.role.toLowerCase()}</td>
                <td className="px-2 py-2 text-right">
                  <ConfirmButton
                    label="Remove"
                    accessibleName={`Remove the ${item.role.toLowerCase()} role from IdP group ${item.idpGroup}`}
                    title={`Remove the ${item.role.toLowerCase()} role from ${item.idpGroup}?`}
                    impact="People in that group lose the role at their next request, unless another mapping grants it. Add the mapping again to undo."
                    confirmLabel="Remove mapping"
                    onConfirm={() => removeMapping.mutate(item.id)}
                  />
                </td>
              </tr>
            ))}
          </Table>
        </Card>
        <Card title="People">
          <ErrorBanner error={users.error ?? setDisabled.error} />
          <Table head={["Person", "Roles", "Groups", ""]}>
            {users.data?.map((user) => (
              <tr key={user.id}>
                <td className="px-2 py-2">
                  <span className="font-medium">{user.email}</span>{" "}
                  {user.isDisabled ? <Badge tone="red">disabled</Badge> : null}
                  <p className="text-xs text-slate-500">
                    {user.lastLoginAt ? `last sign-in ${new Date(user.lastLoginAt).toLocaleString()}` : ""}
                  </p>
                </td>
                <td className="px-2 py-2">
                  {user.roles.map((role) => role.toLowerCase()).join(", ") || "none"}
                </td>
                <td className="px-2 py-2 font-mono text-xs">{user.idpGroups.join(", ")}</td>
                <td className="px-2 py-2 text-right">
                  {user.id === selfId ? null : (
                    <button
                      type="button"
                      className={secondaryButtonClass}
                      onClick={() => setDisabled.mutate(user)}
                    >
                      {user.isDisabled ? "Enable" : "Disable"}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        </Card>
      </div>
    </>
  );
}
