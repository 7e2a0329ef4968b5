"use client";

import { RuleFormActions, type RuleFormProps } from "@/client/rule-form";
import { Card, Field, inputClass, SubmitForm, TextField } from "@/client/ui";
import { ConnectionSelect } from "../connection-select";
import { HttpMatchFields } from "../http-match-fields";
import { GUARDRAIL_KINDS, type GuardrailKindName } from "./guardrail-kinds";
import type { GuardrailForm } from "./guardrail-options";
import { STATEMENT_KINDS_LIST, StatementKindOptions } from "./statement-kind-options";

type Props = RuleFormProps<GuardrailForm>;

/** Creates a guardrail, or edits one when `editingName` is set; its parameters follow its kind. */
export function GuardrailFormCard({
  form,
  onChange,
  onSubmit,
  onCancel,
  editingName,
  errors,
  error,
  isSaving,
}: Props) {
  const set = <K extends keyof GuardrailForm>(
    field: K,
    value: GuardrailForm[K],
    errorField: string = field,
  ) => onChange({ ...form, [field]: value }, errorField);
  const kind = GUARDRAIL_KINDS[form.kind];
  const listKey = kind.list ? `match.${kind.list.key}` : "match";
  const listError = kind.list ? errors[listKey] : undefined;
  return (
    <Card title={editingName ? `Edit guardrail ${editingName}` : "New guardrail"}>
      <SubmitForm className="grid grid-cols-1 gap-4 md:grid-cols-3" onSubmit={onSubmit}>
        <TextField
          id="guardrail-name"
          label="Name"
          error={errors.name}
          hint="Agents see it in the refusal, e.g. no-unscoped-delete"
          value={form.name}
          onChange={(value) => set("name", value)}
        />
        <Field id="guardrail-connection" label="Connection" error={errors.connectionId}>
          <ConnectionSelect
            id="guardrail-connection"
            value={form.connectionId}
            allowAll
            onChange={(connectionId) => set("connectionId", connectionId)}
          />
        </Field>
        <Field id="guardrail-kind" label="Looks at" error={errors.kind}>
          <select
            id="guardrail-kind"
            className={inputClass}
            value={form.kind}
            onChange={(event) =>
              onChange(
                { ...form, kind: event.target.value as GuardrailKindName, list: "", values: "" },
                "kind",
              )
            }
          >
            {Object.entries(GUARDRAIL_KINDS).map(([value, option]) => (
              <option key={value} value={value}>
                {option.label}
              </option>
            ))}
          </select>
        </Field>
        {kind.list ? (
          <Field id="guardrail-list" label={kind.list.label} error={listError} hint={kind.list.hint}>
            <input
              id="guardrail-list"
              className={`${inputClass} font-mono`}
              value={form.list}
              aria-invalid={Boolean(listError)}
              list={form.kind === "STATEMENT_KIND" ? STATEMENT_KINDS_LIST : undefined}
              onChange={(event) => set("list", event.target.value, listKey)}
            />
            <StatementKindOptions />
          </Field>
        ) : null}
        {form.kind === "HTTP_REQUEST" ? (
          <HttpMatchFields
            idPrefix="guardrail-http"
            value={form.http}
            errors={errors}
            onChange={(http, errorField) => onChange({ ...form, http }, errorField)}
          />
        ) : null}
        {form.kind === "SETTING" ? (
          <Field
            id="guardrail-values"
            label="Allowed values"
            error={errors["match.values"]}
            hint="Allow only: one a line, * for any run of characters; empty allows any value. Enum and on/off settings compare as the server reads them (WARNING is warning, true is on)"
          >
            <textarea
              id="guardrail-values"
              className={`${inputClass} h-16 font-mono`}
              value={form.values}
              aria-invalid={Boolean(errors["match.values"])}
              aria-describedby={errors["match.values"] ? "guardrail-values-error" : undefined}
              onChange={(event) => set("values", event.target.value, "match.values")}
            />
          </Field>
        ) : null}
        {form.kind === "TABLE" ? (
          <Field id="guardrail-access" label="Access">
            <select
              id="guardrail-access"
              className={inputClass}
              value={form.access}
              onChange={(event) => set("access", event.target.value)}
            >
              <option value="any">read or write</option>
              <option value="read">read</option>
              <option value="write">write</option>
            </select>
          </Field>
        ) : null}
        <Field
          id="guardrail-effect"
          label="Effect"
          error={errors.effect}
          hint="Allow relaxes a built-in default deliberately, or makes a table allow-list"
        >
          <select
            id="guardrail-effect"
            className={inputClass}
            value={form.effect}
            onChange={(event) => set("effect", event.target.value as GuardrailForm["effect"])}
          >
            <option value="DENY">deny</option>
            <option value="ALLOW">allow</option>
          </select>
        </Field>
        <TextField
          id="guardrail-message"
          label="Message to the agent"
          error={errors.message}
          hint="Say what to do instead"
          value={form.message}
          onChange={(value) => set("message", value)}
        />
        <RuleFormActions
          noun="guardrail"
          columns={3}
          editingName={editingName}
          isSaving={isSaving}
          onCancel={onCancel}
          error={error}
        />
      </SubmitForm>
    </Card>
  );
}
