"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, fieldErrors } from "@/client/api";
import { RuleRowActions } from "@/client/rule-row-actions";
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
  secondaryButtonClass,
  splitNames,
  Table,
  TextField,
} from "@/client/ui";
import { ConnectionSelect } from "../connection-select";
import { describeMatch } from "./describe-match";
import { GUARDRAIL_KINDS, type GuardrailKindName } from "./guardrail-kinds";
import { STATEMENT_KINDS_LIST, StatementKindOptions } from "./statement-kind-options";

type GuardrailView = {
  id: string;
  name: string;
  connectionId: string | null;
  connectionName: string | null;
  kind: GuardrailKindName;
  effect: "DENY" | "ALLOW";
  match: Record<string, unknown>;
  message: string | null;
  isEnabled: boolean;
};

export function GuardrailsPanel() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const rules = useQuery({ queryKey: ["guardrails"], queryFn: () => api<GuardrailView[]>("/guardrails") });
  const empty = {
    name: "",
    connectionId: null as string | null,
    kind: "STATEMENT_KIND" as GuardrailKindName,
    effect: "DENY",
    list: "",
    access: "any",
    message: "",
  };
  const [form, setForm] = useState(empty);
  /** The rule being edited, or null while the form creates a new one. */
  const [editingId, setEditingId] = useState<string | null>(null);
  const startEditing = (rule: GuardrailView) => {
    const listKey = GUARDRAIL_KINDS[rule.kind]?.list?.key;
    const list = listKey && Array.isArray(rule.match[listKey]) ? (rule.match[listKey] as string[]) : [];
    setEditingId(rule.id);
    setForm({
      name: rule.name,
      connectionId: rule.connectionId,
      kind: rule.kind,
      effect: rule.effect,
      list: list.join(", "),
      access: typeof rule.match.access === "string" ? rule.match.access : "any",
      message: rule.message ?? "",
    });
    document.getElementById("guardrail-name")?.focus();
  };
  const stopEditing = () => {
    setEditingId(null);
    setForm(empty);
  };
  const editing = rules.data?.find((rule) => rule.id === editingId) ?? null;
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["guardrails"] });
  const kind = GUARDRAIL_KINDS[form.kind];
  const save = useMutation({
    mutationFn: () => {
      // Parameters the form has no field for (an ALLOW SETTING rule's values) are kept as they are:
      // dropping them on an edit would widen what the rule allows.
      const match: Record<string, unknown> =
        editing && editing.kind === form.kind ? { ...editing.match } : {};
      if (kind.list)
        match[kind.list.key] =
          form.kind === "STATEMENT_KIND" || form.kind === "MISSING_WHERE"
            ? splitNames(form.list).map((k) => k.toUpperCase())
            : splitNames(form.list);
      if (form.kind === "TABLE") match.access = form.access;
      const body = {
        name: form.name,
        connectionId: form.connectionId,
        kind: form.kind,
        effect: form.effect,
        match,
        message: form.message || null,
      };
      return editing
        ? api(`/guardrails/${editing.id}`, {
            method: "PATCH",
            body: { ...body, isEnabled: editing.isEnabled },
          })
        : api("/guardrails", { method: "POST", body });
    },
    onSuccess: () => {
      toast(`Guardrail ${form.name} saved`);
      stopEditing();
      void refresh();
    },
  });
  const toggle = useMutation({
    mutationFn: (rule: GuardrailView) =>
      api(`/guardrails/${rule.id}`, {
        method: "PATCH",
        body: {
          name: rule.name,
          connectionId: rule.connectionId,
          kind: rule.kind,
          effect: rule.effect,
          match: rule.match,
          message: rule.message,
          isEnabled: !rule.isEnabled,
        },
      }),
    onSuccess: (_result, rule) => {
      toast(`Guardrail ${rule.name} ${rule.isEnabled ? "disabled" : "enabled"}`);
      return refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (rule: GuardrailView) => api(`/guardrails/${rule.id}`, { method: "DELETE" }),
    onSuccess: (_result, rule) => {
      toast(`Guardrail ${rule.name} deleted`);
      if (rule.id === editingId) stopEditing();
      return refresh();
    },
  });
  const errors = fieldErrors(save.error);
  const listError = kind.list ? errors[`match.${kind.list.key}`] : undefined;

  return (
    <>
      <PageHeader
        title="Guardrails"
        description="Deny lists that understand SQL: judged on what a statement does (PostgreSQL's own parser), not on its text. Built-in defaults already refuse file, program and network functions, privilege changes and SQL hidden in strings."
      />
      <Card title={editing ? `Edit guardrail ${editing.name}` : "New guardrail"}>
        <SubmitForm className="grid grid-cols-1 gap-4 md:grid-cols-3" onSubmit={() => save.mutate()}>
          <TextField
            id="guardrail-name"
            label="Name"
            error={errors.name}
            hint="Agents see it in the refusal, e.g. no-unscoped-delete"
            value={form.name}
            onChange={(value) => setForm({ ...form, name: value })}
          />
          <Field id="guardrail-connection" label="Connection" error={errors.connectionId}>
            <ConnectionSelect
              id="guardrail-connection"
              value={form.connectionId}
              allowAll
              onChange={(connectionId) => setForm({ ...form, connectionId })}
            />
          </Field>
          <Field id="guardrail-kind" label="Looks at" error={errors.kind}>
            <select
              id="guardrail-kind"
              className={inputClass}
              value={form.kind}
              onChange={(event) =>
                setForm({ ...form, kind: event.target.value as GuardrailKindName, list: "" })
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
                onChange={(event) => setForm({ ...form, list: event.target.value })}
              />
              <StatementKindOptions />
            </Field>
          ) : null}
          {form.kind === "TABLE" ? (
            <Field id="guardrail-access" label="Access">
              <select
                id="guardrail-access"
                className={inputClass}
                value={form.access}
                onChange={(event) => setForm({ ...form, access: event.target.value })}
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
              onChange={(event) => setForm({ ...form, effect: event.target.value })}
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
            onChange={(value) => setForm({ ...form, message: value })}
          />
          <div className="flex gap-2 md:col-span-3">
            <button type="submit" className={buttonClass} disabled={save.isPending}>
              {editing ? "Save guardrail" : "Add guardrail"}
            </button>
            {editing ? (
              <button type="button" className={secondaryButtonClass} onClick={stopEditing}>
                Cancel editing
              </button>
            ) : null}
          </div>
          <div className="md:col-span-3">
            <FormError error={save.error} />
          </div>
        </SubmitForm>
      </Card>
      <ErrorBanner error={rules.error ?? toggle.error ?? remove.error} />
      <Card title="Rules">
        {rules.data?.length === 0 ? (
          <EmptyState>
            No guardrails of your own yet; the built-in defaults apply. Add one, then try a statement below.
          </EmptyState>
        ) : (
          <Table head={["Name", "Connection", "Looks at", "Parameters", "Effect", ""]}>
            {rules.data?.map((rule) => (
              <tr key={rule.id} data-testid={`guardrail-${rule.name}`}>
                <td className="px-2 py-2 font-medium">
                  {rule.name} {rule.isEnabled ? null : <Badge>disabled</Badge>}
                </td>
                <td className="px-2 py-2">
                  {rule.connectionName ?? <span className="text-slate-500">every connection</span>}
                </td>
                <td className="px-2 py-2">{GUARDRAIL_KINDS[rule.kind]?.label ?? rule.kind}</td>
                <td className="px-2 py-2 font-mono text-xs break-words" data-testid="guardrail-parameters">
                  {describeMatch(rule.kind, rule.match)}
                </td>
                <td className="px-2 py-2">
                  {rule.effect === "DENY" ? (
                    <Badge tone="red">deny</Badge>
                  ) : (
                    <Badge tone="green">allow</Badge>
                  )}
                </td>
                <td className="px-2 py-2">
                  <RuleRowActions
                    noun="guardrail"
                    name={rule.name}
                    isEnabled={rule.isEnabled}
                    deleteImpact={`What it ${rule.effect === "DENY" ? "refuses" : "allows"} is judged without it from the next statement on.`}
                    onEdit={() => startEditing(rule)}
                    onToggle={() => toggle.mutate(rule)}
                    onDelete={() => remove.mutate(rule)}
                  />
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </>
  );
}
