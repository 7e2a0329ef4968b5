"use client";

import { CONNECTION_TYPES } from "@sluice/admin/connection-kinds";
import type { ConnectionView } from "@sluice/admin/connection-view";
import { useState } from "react";
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
import { useFieldErrors } from "@/client/use-field-errors";
import type { ResourceSave } from "@/client/use-resource";
import {
  type ConnectionInput,
  connectionFormOf,
  connectionInputOf,
  type ConnectionForm as Form,
  KIND_LABELS,
  type TlsMode,
  withType,
} from "./connection-form-state";
import { HttpConnectionFields } from "./http-connection-fields";

const TLS_MODES: TlsMode[] = ["DISABLE", "PREFER", "REQUIRE", "VERIFY_CA", "VERIFY_FULL"];
/** HTTP reads TLS modes its own way (docs/http.md): every mode but DISABLE verifies the chain. */
const HTTP_TLS_LABELS: Partial<Record<TlsMode, string>> = {
  DISABLE: "plain http://",
  VERIFY_CA: "https://, verify the chain (not the name)",
  VERIFY_FULL: "https://, verify chain and name",
};

export type FieldProps = {
  form: Form;
  errors: Record<string, string>;
  set: <K extends keyof Form>(key: K, value: Form[K]) => void;
};

/**
 * Creates or edits a connection of any kind, through the connections list's shared save; the fields
 * follow what the kind's upstream needs.
 */
export function ConnectionForm({
  connection,
  save,
  onDone,
}: {
  connection: ConnectionView | null;
  save: ResourceSave<ConnectionView, ConnectionInput>;
  onDone: () => void;
}) {
  const [form, setForm] = useState(() => connectionFormOf(connection));
  const { errors, edited } = useFieldErrors(save.error);
  const set: FieldProps["set"] = (key, value) => {
    setForm((current) => ({ ...current, [key]: value }));
    edited(key);
  };
  const isHttp = form.type === "HTTP";
  const kindTlsLabels = isHttp ? HTTP_TLS_LABELS : null;
  const text = (
    key: keyof Form,
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
        aria-describedby={errors[key] ? `connection-${key}-error` : undefined}
        autoComplete={options.type === "password" ? "new-password" : "off"}
        onChange={(event) => set(key, event.target.value as never)}
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
        onChange={(event) => set(key, event.target.checked)}
      />
      {label}
    </label>
  );

  return (
    <Card title={connection ? `Edit ${connection.name}` : "New connection"}>
      <SubmitForm
        className="grid grid-cols-1 gap-4 md:grid-cols-3"
        onSubmit={() =>
          save.mutate(
            { id: connection?.id, name: form.name, input: () => connectionInputOf(form, splitNames) },
            { onSuccess: onDone },
          )
        }
      >
        <Field
          id="connection-type"
          label="Kind"
          error={errors.type}
          hint="What the upstream speaks; agents reach it on that kind's gateway port"
        >
          <select
            id="connection-type"
            className={inputClass}
            value={form.type}
            onChange={(event) => {
              setForm(withType(form, event.target.value as Form["type"]));
              edited("type");
            }}
          >
            {CONNECTION_TYPES.map((type) => (
              <option key={type} value={type}>
                {KIND_LABELS[type]}
              </option>
            ))}
          </select>
        </Field>
        {text("name", "Name", {
          hint: isHttp
            ? "The first path segment agents call: https://gateway/NAME/…"
            : "What agents put as the database in their connection string",
        })}
        {text("host", "Host")}
        {text("port", "Port", { type: "number" })}
        {isHttp
          ? text("database", "Base path", {
              hint: "Agents' paths go below it: / or /api/v2",
              placeholder: "/",
            })
          : text("database", "Upstream database")}
        {!isHttp || form.httpAuthKind === "BASIC"
          ? text("username", "Upstream user", {
              hint: isHttp ? "Sent with the secret as Basic authentication" : undefined,
            })
          : null}
        {text("password", isHttp ? "Upstream secret (API key or token)" : "Upstream password", {
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
            onChange={(event) => set("tlsMode", event.target.value as TlsMode)}
          >
            {TLS_MODES.filter((mode) => !kindTlsLabels || kindTlsLabels[mode]).map((mode) => (
              <option key={mode} value={mode}>
                {kindTlsLabels?.[mode] ?? mode.toLowerCase().replace("_", "-")}
              </option>
            ))}
          </select>
        </Field>
        {isHttp ? <HttpConnectionFields form={form} errors={errors} set={set} /> : null}
        {text("allowedGroups", "Agent groups allowed", {
          hint: "Comma-separated; agents in these groups may connect",
          placeholder: "analysts, support",
        })}
        {text("description", "Description")}
        {isHttp ? null : (
          <>
            {text("poolSize", "Pooled upstream logins", {
              type: "number",
              hint: "Kept and reused per gateway process; also the most sessions at once. 0: a new login per session",
            })}
            {text("poolWaitSeconds", "Wait for a free login (seconds)", {
              type: "number",
              hint: "When every pooled login is in use, a connect waits this long, then is refused",
            })}
          </>
        )}
        {form.tlsMode === "VERIFY_CA" || form.tlsMode === "VERIFY_FULL" ? (
          <div className="md:col-span-3">
            <Field
              id="connection-tlsCaPem"
              label="Upstream CA certificate (PEM)"
              error={errors.tlsCaPem}
              hint={isHttp ? "Empty: the system's CAs" : undefined}
            >
              <textarea
                id="connection-tlsCaPem"
                className={`${inputClass} h-24 font-mono text-xs`}
                value={form.tlsCaPem}
                aria-invalid={Boolean(errors.tlsCaPem)}
                onChange={(event) => set("tlsCaPem", event.target.value)}
              />
            </Field>
          </div>
        ) : null}
        <div className="flex flex-wrap gap-4 md:col-span-3">
          {check("isReadOnly", isHttp ? "Read-only (GET, HEAD and OPTIONS only)" : "Read-only")}
          {isHttp ? null : check("isStrictMasking", "Strict masking (refuse masked columns in predicates)")}
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
