"use client";

import { Field, inputClass, TextField } from "@/client/ui";
import type { TryForm } from "./try-statement";

/** The methods the HTTP listener reads (docs/http.md); others are refused before any rule. */
const METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"];
export const METHODS_WITH_BODY = new Set(["POST", "PUT", "PATCH"]);

/** A call as an agent would send it below the connection: method, path with its query, headers, JSON body. */
export function TryHttpFields({
  form,
  errors,
  onChange,
}: {
  form: TryForm;
  errors: Record<string, string>;
  onChange: (form: TryForm) => void;
}) {
  return (
    <>
      <Field id="try-method" label="Method" error={errors.method}>
        <select
          id="try-method"
          className={inputClass}
          value={form.method}
          onChange={(event) => onChange({ ...form, method: event.target.value })}
        >
          {METHODS.map((method) => (
            <option key={method}>{method}</option>
          ))}
        </select>
      </Field>
      <TextField
        id="try-path"
        label="Path"
        error={errors.path}
        hint="Below the connection, with its query: /customers/42?expand=orders"
        value={form.path}
        onChange={(path) => onChange({ ...form, path })}
      />
      <div className="md:col-span-2">
        <Field
          id="try-headers"
          label="Headers"
          error={errors.headers}
          hint="One Name: value a line, judged as the gateway judges an agent's (a body is application/json unless a Content-Type is given)"
        >
          <textarea
            id="try-headers"
            className={`${inputClass} h-16 font-mono text-xs`}
            value={form.headers}
            aria-invalid={Boolean(errors.headers)}
            placeholder="Accept: application/json"
            onChange={(event) => onChange({ ...form, headers: event.target.value })}
          />
        </Field>
      </div>
      {METHODS_WITH_BODY.has(form.method) ? (
        <div className="md:col-span-2">
          <Field id="try-body" label="Body (JSON)" error={errors.body}>
            <textarea
              id="try-body"
              className={`${inputClass} h-24 font-mono text-xs`}
              value={form.body}
              aria-invalid={Boolean(errors.body)}
              placeholder='{"amount": 12}'
              onChange={(event) => onChange({ ...form, body: event.target.value })}
            />
          </Field>
        </div>
      ) : null}
    </>
  );
}
