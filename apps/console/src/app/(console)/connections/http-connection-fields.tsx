"use client";

import { HTTP_AUTH_KINDS, MAX_HTTP_TIMEOUT_SECONDS } from "@sluice/admin/connection-kinds";
import { Field, inputClass, TextField } from "@/client/ui";
import type { FieldProps } from "./connection-form";
import type { ConnectionForm } from "./connection-form-state";

const AUTH_LABELS: Record<(typeof HTTP_AUTH_KINDS)[number], string> = {
  BEARER: "Authorization: Bearer SECRET",
  BASIC: "Authorization: Basic (user + secret)",
  HEADER: "a header of your choice",
};

/** How an HTTP connection presents its brokered secret upstream, and how long the upstream may take. */
export function HttpConnectionFields({ form, errors, set }: FieldProps) {
  return (
    <>
      <Field
        id="connection-httpAuthKind"
        label="Secret sent upstream as"
        error={errors.httpAuthKind}
        hint="Agents never see it; their own token never goes upstream"
      >
        <select
          id="connection-httpAuthKind"
          className={inputClass}
          value={form.httpAuthKind}
          onChange={(event) => set("httpAuthKind", event.target.value as ConnectionForm["httpAuthKind"])}
        >
          <option value="">nothing (no credential)</option>
          {HTTP_AUTH_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {AUTH_LABELS[kind]}
            </option>
          ))}
        </select>
      </Field>
      {form.httpAuthKind === "HEADER" ? (
        <TextField
          id="connection-httpAuthHeader"
          label="Header name"
          error={errors.httpAuthHeader}
          hint="e.g. X-Api-Key"
          value={form.httpAuthHeader}
          onChange={(value) => set("httpAuthHeader", value)}
        />
      ) : null}
      <TextField
        id="connection-httpTimeoutSeconds"
        label="Upstream timeout (seconds)"
        type="number"
        error={errors.httpTimeoutSeconds}
        hint={`To answer, and to go silent while streaming; 1 to ${MAX_HTTP_TIMEOUT_SECONDS}. Empty: 30 s / 60 s`}
        value={form.httpTimeoutSeconds}
        onChange={(value) => set("httpTimeoutSeconds", value)}
      />
    </>
  );
}
