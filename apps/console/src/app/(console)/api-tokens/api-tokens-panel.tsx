"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, fieldErrors } from "@/client/api";
import { ConfirmButton } from "@/client/confirm-button";
import { CopyButton } from "@/client/copy-button";
import { useToast } from "@/client/toast";
import {
  Badge,
  buttonClass,
  Card,
  EmptyState,
  ErrorBanner,
  Field,
  FormError,
  inputClass,
  PageHeader,
  SubmitForm,
  Table,
  TextField,
} from "@/client/ui";

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

export function ApiTokensPanel({ roles }: { roles: string[] }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const tokens = useQuery({ queryKey: ["api-tokens"], queryFn: () => api<TokenRow[]>("/api-tokens") });
  const [form, setForm] = useState({ name: "", role: roles[0] ?? "", expiresInDays: "90" });
  const [created, setCreated] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () =>
      api<{ token: string }>("/api-tokens", {
        method: "POST",
        body: { ...form, expiresInDays: Number(form.expiresInDays) },
      }),
    onSuccess: (result) => {
      setCreated(result.token);
      void queryClient.invalidateQueries({ queryKey: ["api-tokens"] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/api-tokens/${id}`, { method: "DELETE" }),
    onSuccess: () => {
      toast("API token revoked");
      return queryClient.invalidateQueries({ queryKey: ["api-tokens"] });
    },
  });
  const errors = fieldErrors(create.error);
  return (
    <>
      <PageHeader
        title="API tokens"
        description="Tokens for automation against /api/v1 (OpenAPI at /api/v1/openapi.json). A token acts with one of your roles, and stops when you lose that role."
      />
      <Card title="New token">
        <SubmitForm className="flex flex-wrap items-end gap-3" onSubmit={() => create.mutate()}>
          <TextField
            id="token-name"
            label="Name"
            error={errors.name}
            value={form.name}
            onChange={(value) => setForm({ ...form, name: value })}
          />
          <Field id="token-role" label="Role" error={errors.role}>
            <select
              id="token-role"
              className={inputClass}
              value={form.role}
              onChange={(event) => setForm({ ...form, role: event.target.value })}
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
            error={errors.expiresInDays}
            type="number"
            value={form.expiresInDays}
            onChange={(value) => setForm({ ...form, expiresInDays: value })}
          />
          <button type="submit" className={buttonClass}>
            Create token
          </button>
        </SubmitForm>
        <FormError error={create.error} />
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
        <ErrorBanner error={tokens.error ?? revoke.error} />
        <Card title="Tokens">
          {tokens.data?.length === 0 ? (
            <EmptyState>No API tokens.</EmptyState>
          ) : (
            <Table head={["Name", "Owner", "Role", "Prefix", "Expires", "Last used", ""]}>
              {tokens.data?.map((token) => (
                <tr key={token.id}>
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
                  <td className="px-2 py-2 text-right">
                    {token.revokedAt ? (
                      <Badge tone="red">revoked</Badge>
                    ) : (
                      <ConfirmButton
                        label="Revoke"
                        accessibleName={`Revoke API token ${token.name}`}
                        title={`Revoke API token ${token.name}?`}
                        impact="Every script using this token is refused from now on. A revoked token cannot be restored; create a new one instead."
                        confirmLabel="Revoke token"
                        isPending={revoke.isPending}
                        onConfirm={() => revoke.mutate(token.id)}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </Card>
      </div>
    </>
  );
}
