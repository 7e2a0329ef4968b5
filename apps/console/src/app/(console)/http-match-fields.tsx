"use client";

import { Field, inputClass, TextField } from "@/client/ui";
import type { HttpMatchForm } from "./http-match";

/**
 * The four parts of an HTTP match; every part given must match. Errors come keyed `match.<part>`
 * (from the API or from reading the form), or as one `match` message for the whole match.
 */
export function HttpMatchFields({
  idPrefix,
  value,
  errors,
  onChange,
}: {
  idPrefix: string;
  value: HttpMatchForm;
  errors: Record<string, string>;
  onChange: (next: HttpMatchForm, errorField: string) => void;
}) {
  const errorOf = (part: keyof HttpMatchForm) =>
    errors[`match.${part}`] ??
    Object.entries(errors).find(([key]) => key.startsWith(`match.${part}.`))?.[1] ??
    (part === "path" ? errors.match : undefined);
  const set = (part: keyof HttpMatchForm, text: string) =>
    onChange({ ...value, [part]: text }, errors[`match.${part}`] ? `match.${part}` : "match");
  return (
    <>
      <TextField
        id={`${idPrefix}-methods`}
        label="HTTP methods"
        error={errorOf("methods")}
        hint="e.g. POST, PUT, PATCH; empty: any method"
        value={value.methods}
        onChange={(text) => set("methods", text)}
      />
      <TextField
        id={`${idPrefix}-path`}
        label="Path"
        error={errorOf("path")}
        hint="Below the connection: /admin/**, /users/{id}, /orders/*/refund"
        value={value.path}
        onChange={(text) => set("path", text)}
      />
      <TextField
        id={`${idPrefix}-query`}
        label="Query parameters"
        error={errorOf("query")}
        hint="name=value or name=* (present), comma-separated"
        value={value.query}
        onChange={(text) => set("query", text)}
      />
      <Field
        id={`${idPrefix}-body`}
        label="Body fields (JSON)"
        error={errorOf("body")}
        hint='JSONPath or JSON Pointer → value, e.g. {"$.role": "*"}'
      >
        <textarea
          id={`${idPrefix}-body`}
          className={`${inputClass} h-16 font-mono text-xs`}
          value={value.body}
          aria-invalid={Boolean(errorOf("body"))}
          onChange={(event) => set("body", event.target.value)}
        />
      </Field>
    </>
  );
}
