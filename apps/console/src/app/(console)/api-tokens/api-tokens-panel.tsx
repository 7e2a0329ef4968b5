"use client";

import { useState } from "react";
import { ConfirmButton } from "@/client/confirm-button";
import { CopyButton } from "@/client/copy-button";
import { ResourceTable } from "@/client/resource-table";
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
  TextField,
} from "@/client/ui";
import { useResource } from "@/client/use-resource";

type TokenRow = {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  user: { email: string };
};
type TokenInput = { name: string; role: string; expiresInDays: number };

export function ApiTokensPanel({ roles }: { roles: string[] }) {
  // The create answers with the token itself, once; the list only ever holds its prefix.
  const tokens = useResource<TokenRow & { token?: string }, TokenInput>({
    name: "api-tokens",
    path: "/api-tokens",
    noun: "API token",
    nameOf: (token) => token.name,
    removedVerb: "revoked",
  });
  const [form, setForm] = useState({ name: "", role: roles[0] ?? "", expiresInDays: "90" });
  const [created, setCreated] = useState<string | null>(null);
  const change = (next: typeof form, field: keyof typeof form) => {
    setForm(next);
    tokens.edited(field);
  };
  const create = () =>
    tokens.save.mutate(
      {
        name: form.name,
        verb: "created",
        input: { ...form, expiresInDays: Number(form.expiresInDays) },
      },
      { onSuccess: (result) => setCreated(result.token ?? null) },
    );
  return (
    <>
      <PageHeader
        title="API tokens"
        description="Tokens for automation against /api/v1 (OpenAPI at /api/v1/openapi.json). A token acts with one of your roles, and stops when you lose that role."
      />
      <Card title="New token">
        <SubmitForm className="flex flex-wrap items-end gap-3" onSubmit={create}>
          <TextField
            id="token-name"
            label="Name"
            error={tokens.errors.name}
            value={form.name}
            onChange={(value) => change({ ...form, name: value }, "name")}
          />
          <Field id="token-role" label="Role" error={tokens.errors.role}>
            <select
              id="token-role"
              className={inputClass}
              value={form.role}
              onChange={(event) => change({ ...form, role: event.target.value }, "role")}
            >
              {roles.map((role) => (
                <option key={role} value={role}>
                  {role.toLowerCase()}
                </option>
              ))}
            </select>
          </Field>
          <TextField
            id="token-expires"
            label="Expires in (days)"
            error={tokens.errors.expiresInDays}
            type="number"
            value={form.expiresInDays}
            onChange={(value) => change({ ...form, expiresInDays: value }, "expiresInDays")}
          />
          <button type="submit" className={buttonClass} disabled={tokens.save.isPending}>
            Create token
          </button>
        </SubmitForm>
        <FormError error={tokens.save.error} />
        {created ? (
          <p className="mt-3 text-sm" role="status">
            Copy it now, it is not shown again:{" "}
            <code data-testid="api-token" className="rounded bg-slate-900 px-2 py-1 text-xs text-white">
              {created}
            </code>{" "}
            <CopyButton value={created} what="API token" />
          </p>
        ) : null}
      </Card>
      <div className="mt-6">
        <ErrorBanner error={tokens.listError} />
        <ResourceTable
          title="Tokens"
          rows={tokens.list.data}
          head={["Name", "Owner", "Role", "Prefix", "Expires", "Last used"]}
          empty="No API tokens."
          rowTestId={(token) => `api-token-${token.name}`}
          cells={(token) => (
            <>
              <td className="px-2 py-2 font-medium">{token.name}</td>
              <td className="px-2 py-2 text-xs">{token.user.email}</td>
              <td className="px-2 py-2">{token.role.toLowerCase()}</td>
              <td className="px-2 py-2 font-mono text-xs">{token.prefix}…</td>
              <td className="px-2 py-2 text-xs">
                {token.expiresAt ? new Date(token.expiresAt).toLocaleDateString() : "never"}
              </td>
              <td className="px-2 py-2 text-xs">
                {token.lastUsedAt ? new Date(token.lastUsedAt).toLocaleString() : "never"}
              </td>
            </>
          )}
          actions={(token) =>
            token.revokedAt ? (
              <Badge tone="red">revoked</Badge>
            ) : (
              <ConfirmButton
                label="Revoke"
                accessibleName={`Revoke API token ${token.name}`}
                title={`Revoke API token ${token.name}?`}
                impact="Every script using this token is refused from now on. A revoked token cannot be restored; create a new one instead."
                confirmLabel="Revoke token"
                isPending={tokens.remove.isPending}
                onConfirm={() => tokens.remove.mutate(token)}
              />
            )
          }
        />
      </div>
    </>
  );
}
