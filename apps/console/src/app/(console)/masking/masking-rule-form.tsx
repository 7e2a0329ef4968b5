"use client";

import { RuleFormActions, type RuleFormProps } from "@/client/rule-form";
import { Card, Field, inputClass, SubmitForm, TextField } from "@/client/ui";
import { ConnectionSelect } from "../connection-select";
import { DETECTORS, type MaskingForm, STRATEGIES } from "./masking-options";
import { StrategyExample } from "./strategy-example";

type Props = RuleFormProps<MaskingForm>;

/** Creates a masking rule, or edits one when `editingName` is set; shows the strategy on an example. */
export function MaskingRuleForm({
  form,
  onChange,
  onSubmit,
  onCancel,
  editingName,
  errors,
  error,
  isSaving,
}: Props) {
  const set = (field: keyof MaskingForm, value: string | null) =>
    onChange({ ...form, [field]: value }, field);
  return (
    <Card title={editingName ? `Edit masking rule ${editingName}` : "New masking rule"}>
      <SubmitForm className="grid grid-cols-1 gap-4 md:grid-cols-3" onSubmit={onSubmit}>
        <TextField
          id="masking-name"
          label="Name"
          error={errors.name}
          value={form.name}
          onChange={(value) => set("name", value)}
        />
        <Field id="masking-connection" label="Connection" error={errors.connectionId}>
          <ConnectionSelect
            id="masking-connection"
            value={form.connectionId}
            allowAll
            onChange={(connectionId) => set("connectionId", connectionId)}
          />
        </Field>
        <Field id="masking-match" label="Match by">
          <select
            id="masking-match"
            className={inputClass}
            value={form.matchBy}
            onChange={(event) => set("matchBy", event.target.value)}
          >
            <option value="column">column selector (databases)</option>
            <option value="json">JSON field (HTTP responses)</option>
            <option value="detector">content detector (values whose origin is unknown)</option>
          </select>
        </Field>
        {form.matchBy === "detector" ? (
          <Field id="masking-detector" label="Detector" error={errors.detector}>
            <select
              id="masking-detector"
              className={inputClass}
              value={form.detector}
              onChange={(event) => set("detector", event.target.value)}
            >
              {DETECTORS.map((detector) => (
                <option key={detector.value} value={detector.value}>
                  {detector.label}
                </option>
              ))}
            </select>
          </Field>
        ) : form.matchBy === "json" ? (
          <Field
            id="masking-json"
            label="JSON field"
            error={errors.jsonPointer}
            hint="JSONPath or JSON Pointer: $..ssn, $.customers[*].card, /customers/*/email"
          >
            <input
              id="masking-json"
              className={`${inputClass} font-mono`}
              value={form.jsonPointer}
              aria-invalid={Boolean(errors.jsonPointer)}
              aria-describedby={errors.jsonPointer ? "masking-json-error" : undefined}
              onChange={(event) => set("jsonPointer", event.target.value)}
            />
          </Field>
        ) : (
          <Field
            id="masking-selector"
            label="Column selector"
            error={errors.columnSelector}
            hint="schema.table.column, * for any part: public.customers.email, *.*.ssn"
          >
            <input
              id="masking-selector"
              className={`${inputClass} font-mono`}
              value={form.columnSelector}
              aria-invalid={Boolean(errors.columnSelector)}
              onChange={(event) => set("columnSelector", event.target.value)}
            />
          </Field>
        )}
        <Field id="masking-strategy" label="Strategy" error={errors.strategy}>
          <select
            id="masking-strategy"
            className={inputClass}
            value={form.strategy}
            onChange={(event) => set("strategy", event.target.value)}
          >
            {STRATEGIES.map((strategy) => (
              <option key={strategy.value} value={strategy.value}>
                {strategy.label}
              </option>
            ))}
          </select>
        </Field>
        {form.strategy === "PARTIAL" ? (
          <TextField
            id="masking-keep"
            label="Characters left visible"
            error={errors.keepLast}
            type="number"
            value={form.keepLast}
            onChange={(value) => set("keepLast", value)}
          />
        ) : null}
        <TextField
          id="masking-exempt"
          label="Exempt agent groups"
          error={errors.exemptGroups}
          hint="Comma-separated; these groups see clear values"
          value={form.exemptGroups}
          onChange={(value) => set("exemptGroups", value)}
        />
        <StrategyExample form={form} />
        <RuleFormActions
          noun="masking rule"
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
