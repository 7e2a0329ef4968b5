"use client";

import { RuleFormActions, type RuleFormProps } from "@/client/rule-form";
import { Card, Field, inputClass, SubmitForm, TextField } from "@/client/ui";
import { ConnectionSelect, useConnections } from "../connection-select";
import { HttpMatchFields } from "../http-match-fields";
import type { ReviewRuleForm as Form } from "./review-rule-options";

type Props = RuleFormProps<Form>;

/** Creates a review rule, or edits one when `editingName` is set. */
export function ReviewRuleForm({
  form,
  onChange,
  onSubmit,
  onCancel,
  editingName,
  errors,
  error,
  isSaving,
}: Props) {
  const set = <K extends keyof Form>(field: K, value: Form[K], errorField: string = field) =>
    onChange({ ...form, [field]: value }, errorField);
  const connections = useConnections();
  return (
    <Card title={editingName ? `Edit review rule ${editingName}` : "New review rule"}>
      <SubmitForm className="grid grid-cols-1 gap-3 md:grid-cols-2" onSubmit={onSubmit}>
        <TextField
          id="rule-name"
          label="Name"
          error={errors.name}
          value={form.name}
          onChange={(v) => set("name", v)}
        />
        <Field id="rule-connection" label="Connection" error={errors.connectionId}>
          <ConnectionSelect
            id="rule-connection"
            value={form.connectionId}
            allowAll
            onChange={(connectionId) => {
              // A rule on an HTTP connection matches calls; any other rule matches statements.
              const type = connections.data?.find((connection) => connection.id === connectionId)?.type;
              onChange(
                { ...form, connectionId, matchKind: type === "HTTP" ? "http" : "sql" },
                "connectionId",
              );
            }}
          />
        </Field>
        {form.matchKind === "http" ? (
          <HttpMatchFields
            idPrefix="rule-http"
            value={form.http}
            errors={errors}
            onChange={(http, errorField) => set("http", http, errorField)}
          />
        ) : (
          <>
            <TextField
              id="rule-kinds"
              label="Statement kinds"
              error={errors["match.kinds"] ?? errors.match}
              hint="e.g. DELETE, UPDATE, ALTER (a family: every ALTER …)"
              value={form.kinds}
              onChange={(v) => set("kinds", v, errors["match.kinds"] ? "match.kinds" : "match")}
            />
            <TextField
              id="rule-tables"
              label="Tables"
              error={errors["match.tables"]}
              hint="e.g. public.employees"
              value={form.tables}
              onChange={(v) => set("tables", v, errors["match.tables"] ? "match.tables" : "match")}
            />
            <TextField
              id="rule-columns"
              label="Columns"
              error={errors["match.columns"]}
              hint="e.g. salary"
              value={form.columns}
              onChange={(v) => set("columns", v, errors["match.columns"] ? "match.columns" : "match")}
            />
          </>
        )}
        <TextField
          id="rule-groups"
          label="Reviewer groups"
          error={errors.reviewerGroups}
          hint="Comma-separated reviewer group names"
          value={form.reviewerGroups}
          onChange={(v) => set("reviewerGroups", v)}
        />
        <Field id="rule-mode" label="Approval" error={errors.mode}>
          <select
            id="rule-mode"
            className={inputClass}
            value={form.mode}
            onChange={(event) => set("mode", event.target.value as Form["mode"])}
          >
            <option value="ANY_OF">any of the groups</option>
            <option value="ALL_OF">all of the groups</option>
          </select>
        </Field>
        <TextField
          id="rule-approvals"
          label="Approvals needed"
          error={errors.minApprovals}
          type="number"
          value={form.minApprovals}
          onChange={(v) => set("minApprovals", v)}
        />
        <TextField
          id="rule-expires"
          label="Expires after (minutes)"
          error={errors.timeoutSeconds}
          hint="An undecided statement or call is refused after this; 0.5 to 1440"
          type="number"
          value={form.expiresMinutes}
          onChange={(v) => set("expiresMinutes", v, "timeoutSeconds")}
        />
        <Field id="rule-blocking" label="While waiting">
          <select
            id="rule-blocking"
            className={inputClass}
            value={form.isBlocking ? "hold" : "refuse"}
            onChange={(event) => set("isBlocking", event.target.value === "hold", "isBlocking")}
          >
            <option value="hold">hold the statement until a decision</option>
            <option value="refuse">
              refuse at once with the review id; the agent retries after approval
            </option>
          </select>
        </Field>
        <RuleFormActions
          noun="review rule"
          columns={2}
          editingName={editingName}
          isSaving={isSaving}
          onCancel={onCancel}
          error={error}
        />
      </SubmitForm>
    </Card>
  );
}
