"use client";

import type { ConnectionView } from "@sluice/admin/connection-view";
import { DEFAULT_POOL_SIZE, DEFAULT_POOL_WAIT_SECONDS } from "@sluice/policy/pool-limits";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api, fieldErrors } from "@/client/api";
import {
  buttonClass,
  Card,
  Field,
  FormError,
  inputClass,
  SubmitForm,
  secondaryButtonClass,
  splitNames,
} from "@/client/ui";

const TLS_MODES = ["DISABLE", "PREFER", "REQUIRE", "VERIFY_CA", "VERIFY_FULL"] as const;

export function ConnectionForm({
  connection,
  onDone,
}: {
  connection: ConnectionView | null;
  onDone: () => void;
}) {
  const [form, setForm] = useState({
    name: connection?.name ?? "",
    description: connection?.description ?? "",
    host: connection?.host ?? "",
    port: String(connection?.port ?? 5432),
    database: connection?.database ?? "",
    username: connection?.username ?? "",
    password: "",
    tlsMode: connection?.tlsMode ?? "PREFER",
    tlsCaPem: connection?.tlsCaPem ?? "",
    allowedGroups: connection?.allowedGroups.join(", ") ?? "",
    isReadOnly: connection?.isReadOnly ?? false,
    isStrictMasking: connection?.isStrictMasking ?? false,
    requireClientTls: connection?.requireClientTls ?? false,
    isDisabled: connection?.isDisabled ?? false,
    poolSize: String(connection?.poolSize ?? DEFAULT_POOL_SIZE),
    poolWaitSeconds: String(connection?.poolWaitSeconds ?? DEFAULT_POOL_WAIT_SECONDS),
  });
  const save = useMutation({
    mutationFn: () =>
      api(connection ? `/connections/${connection.id}` : "/connections", {
        method: connection ? "PATCH" : "POST",
        body: {
          ...form,
          port: Number(form.port),
          poolSize: Number(form.poolSize),
          poolWaitSeconds: Number(form.poolWaitSeconds),
          allowedGroups: splitNames(form.allowedGroups),
        },
      }),
    onSuccess: onDone,
  });
  const errors = fieldErrors(save.error);
  const text = (
    key: keyof typeof form,
    label: string,
    options: { type?: string; hint?: string; placeholder?: string } = {},
  ) => (
    <Field id={`connection-${key}`} label={label} error={errors[key]} hint={options.hint}>
      <input
        id={`connection-${key}`}
        name={key}
        type={options.type ?? "text"}
        className={inputClass}
        value={String(form[key])}
        placeholder={options.placeholder}
        aria-invalid={Boolean(errors[key])}
        autoComplete={options.type === "password" ? "new-password" : "off"}
        onChange={(event) => setForm({ ...form, [key]: event.target.value })}
      />
    </Field>
  );
  const check = (
    key: "isReadOnly" | "isStrictMasking" | "requireClientTls" | "isDisabled",
    label: string,
  ) => (
    <label className="flex items-center gap-2 text-sm">
      <input
        type="checkbox"
        name={key}
        checked={form[key]}
        onChange={(event) => setForm({ ...form, [key]: event.target.checked })}
      />
      {label}
    </label>
  );

  return (
    <Card title={connection ? `Edit ${connection.name}` : "New connection"}>
      <SubmitForm className="grid grid-cols-1 gap-4 md:grid-cols-3" onSubmit={() => save.mutate()}>
        {text("name", "Name", { hint: "What agents put as the database in their connection string" })}
        {text("host", "Host")}
        {text("port", "Port", { type: "number" })}
        {text("database", "Upstream database")}
        {text("username", "Upstream user")}
        {text("password", "Upstream password", {
          type: "password",
          hint: connection?.hasPassword
            ? "Stored, encrypted. Leave empty to keep it."
            : "Encrypted at rest; never shown again",
        })}
        <Field id="connection-tlsMode" label="TLS to the upstream" error={errors.tlsMode}>
          <select
            id="connection-tlsMode"
            className={inputClass}
            value={form.tlsMode}
            onChange={(event) =>
              setForm({ ...form, tlsMode: event.target.value as (typeof TLS_MODES)[number] })
            }
          >
            {TLS_MODES.map((mode) => (
              <option key={mode} value={mode}>
                {mode.toLowerCase().replace("_", "-")}
              </option>
            ))}
          </select>
        </Field>
        {text("allowedGroups", "Agent groups allowed", {
          hint: "Comma-separated; agents in these groups may connect",
          placeholder: "analysts, support",
        })}
        {text("description", "Description")}
        {text("poolSize", "Pooled upstream logins", {
          type: "number",
          hint: "Kept and reused per gateway process; also the most sessions at once. 0: a new login per session",
        })}
        {text("poolWaitSeconds", "Wait for a free login (seconds)", {
          type: "number",
          hint: "When every pooled login is in use, a connect waits this long, then is refused",
        })}
        {form.tlsMode === "VERIFY_CA" || form.tlsMode === "VERIFY_FULL" ? (
          <div className="md:col-span-3">
            <Field id="connection-tlsCaPem" label="Upstream CA certificate (PEM)" error={errors.tlsCaPem}>
              <textarea
                id="connection-tlsCaPem"
                className={`${inputClass} h-24 font-mono text-xs`}
                value={form.tlsCaPem}
                aria-invalid={Boolean(errors.tlsCaPem)}
                onChange={(event) => setForm({ ...form, tlsCaPem: event.target.value })}
              />
            </Field>
          </div>
        ) : null}
        <div className="flex flex-wrap gap-4 md:col-span-3">
          {check("isReadOnly", "Read-only")}
          {check("isStrictMasking", "Strict masking (refuse masked columns in predicates)")}
          {check("requireClientTls", "Agents must use TLS")}
          {check("isDisabled", "Disabled")}
        </div>
        <div className="flex gap-2 md:col-span-3">
          <button type="submit" className={buttonClass} disabled={save.isPending}>
            {connection ? "Save" : "Create connection"}
          </button>
          <button type="button" className={secondaryButtonClass} onClick={onDone}>
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
