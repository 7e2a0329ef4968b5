"use client";

import { useState } from "react";
import { ConfirmButton } from "@/client/confirm-button";
import { ResourceTable } from "@/client/resource-table";
import {
  Badge,
  buttonClass,
  ErrorBanner,
  Field,
  FormError,
  inputClass,
  PageHeader,
  SubmitForm,
  secondaryButtonClass,
  TextField,
} from "@/client/ui";
import { useResource } from "@/client/use-resource";

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
type MappingInput = { idpGroup: string; role: string };

const describeMapping = (mapping: MappingInput) => `${mapping.idpGroup} → ${mapping.role.toLowerCase()}`;

export function PeoplePanel({ selfId }: { selfId: string }) {
  const users = useResource<User, { isDisabled: boolean }>({
    name: "users",
    path: "/users",
    noun: "person",
    nameOf: (user) => user.email,
  });
  const mappings = useResource<Mapping, MappingInput>({
    name: "role-mappings",
    path: "/role-mappings",
    noun: "role mapping",
    nameOf: describeMapping,
    removedVerb: "removed",
    // A mapping changes the roles people get at their next sign-in, shown beside each person.
    alsoInvalidates: [["users"]],
  });
  const [mapping, setMapping] = useState({ idpGroup: "", role: "REVIEWER" });
  const change = (next: MappingInput, field: keyof MappingInput) => {
    setMapping(next);
    mappings.edited(field);
  };
  const addMapping = () =>
    mappings.save.mutate(
      { name: describeMapping(mapping), verb: "added", input: mapping },
      { onSuccess: () => setMapping({ ...mapping, idpGroup: "" }) },
    );
  return (
    <>
      <PageHeader
        title="People & roles"
        description="Roles come from identity-provider groups, mapped here and applied at each sign-in. People appear after their first sign-in."
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <div className="space-y-3">
          <ErrorBanner error={mappings.listError} />
          <ResourceTable
            title="Group → role mappings"
            rows={mappings.list.data}
            head={["IdP group", "Role"]}
            empty="No mappings: nobody gets a role at sign-in."
            rowTestId={(item) => `role-mapping-${item.idpGroup}-${item.role.toLowerCase()}`}
            cells={(item) => (
              <>
                <td className="px-2 py-2 font-mono text-xs">{item.idpGroup}</td>
                <td className="px-2 py-2">{item.role.toLowerCase()}</td>
              </>
            )}
            actions={(item) => (
              <ConfirmButton
                label="Remove"
                accessibleName={`Remove the ${item.role.toLowerCase()} role from IdP group ${item.idpGroup}`}
                title={`Remove the ${item.role.toLowerCase()} role from ${item.idpGroup}?`}
                impact="People in that group lose the role at their next request, unless another mapping grants it. Add the mapping again to undo."
                confirmLabel="Remove mapping"
                onConfirm={() => mappings.remove.mutate(item)}
              />
            )}
          >
            <SubmitForm className="mb-4 flex flex-wrap items-end gap-3" onSubmit={addMapping}>
              <TextField
                id="mapping-group"
                label="IdP group"
                error={mappings.errors.idpGroup}
                value={mapping.idpGroup}
                onChange={(value) => change({ ...mapping, idpGroup: value }, "idpGroup")}
              />
              <Field id="mapping-role" label="Role" error={mappings.errors.role}>
                <select
                  id="mapping-role"
                  className={inputClass}
                  value={mapping.role}
                  onChange={(event) => change({ ...mapping, role: event.target.value }, "role")}
                >
                  <option value="ADMIN">admin</option>
                  <option value="REVIEWER">reviewer</option>
                  <option value="AUDITOR">auditor</option>
                </select>
              </Field>
              <button type="submit" className={buttonClass} disabled={mappings.save.isPending}>
                Map
              </button>
            </SubmitForm>
            <FormError error={mappings.save.error} />
          </ResourceTable>
        </div>
        <div className="space-y-3">
          <ErrorBanner error={users.listError ?? users.save.error} />
          <ResourceTable
            title="People"
            rows={users.list.data}
            head={["Person", "Roles", "Groups"]}
            empty="Nobody has signed in yet."
            rowTestId={(user) => `person-${user.email}`}
            cells={(user) => (
              <>
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
              </>
            )}
            actions={(user) =>
              user.id === selfId ? null : user.isDisabled ? (
                <button
                  type="button"
                  className={secondaryButtonClass}
                  aria-label={`Enable person ${user.email}`}
                  onClick={() =>
                    users.save.mutate({
                      id: user.id,
                      name: user.email,
                      verb: "enabled",
                      input: { isDisabled: false },
                    })
                  }
                >
                  Enable
                </button>
              ) : (
                <ConfirmButton
                  label="Disable"
                  accessibleName={`Disable person ${user.email}`}
                  title={`Disable ${user.email}?`}
                  impact="Their console session and API tokens stop working at their next request. Enable them again to undo."
                  confirmLabel="Disable person"
                  tone="neutral"
                  onConfirm={() =>
                    users.save.mutate({
                      id: user.id,
                      name: user.email,
                      verb: "disabled",
                      input: { isDisabled: true },
                    })
                  }
                />
              )
            }
          />
        </div>
      </div>
    </>
  );
}
