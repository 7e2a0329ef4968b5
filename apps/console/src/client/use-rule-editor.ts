"use client";

import type { RuleApi, RuleResourceName } from "@sluice/admin/api-contract";
import { RULE_RESOURCES } from "@sluice/admin/api-contract";
import { type QueryKey, useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "./api";
import type { RuleFormProps } from "./rule-form";
import type { RuleTableProps } from "./rule-row-actions";
import { useToast } from "./toast";
import { useResource } from "./use-resource";

type View<Name extends RuleResourceName> = RuleApi[Name]["view"];
type Input<Name extends RuleResourceName> = RuleApi[Name]["input"];

export type RuleEditorOptions<Name extends RuleResourceName, Form> = {
  resource: Name;
  /** The form for a new rule. */
  empty: Form;
  /** The form filled from a saved rule, to edit it. */
  formOf: (rule: View<Name>) => Form;
  /** What a save sends for the form (the rule's enabled state is added here, kept as it was). */
  inputOf: (form: Form) => Input<Name>;
  /** The form field that takes focus when a rule is opened for editing. */
  focusId: string;
  /** Other lists a change here alters (a review rule creates reviewer groups it names). */
  alsoInvalidates?: QueryKey[];
};

/**
 * One rule resource edited in place, the same on every rule page: the shared resource hook (list,
 * save, delete, toasts, field errors that clear as their field is edited) plus a form that creates
 * or edits and Disable/Enable. Pages differ only in their form and table.
 */
export function useRuleEditor<Name extends RuleResourceName, Form extends { name: string }>(
  options: RuleEditorOptions<Name, Form>,
) {
  const { resource, empty, formOf, inputOf } = options;
  const { path, noun } = RULE_RESOURCES[resource];
  const rules = useResource<View<Name>, Input<Name>>({
    name: resource,
    path,
    noun,
    nameOf: (rule) => rule.name,
    alsoInvalidates: options.alsoInvalidates,
  });
  const [form, setForm] = useState(empty);
  /** The rule being edited, or null while the form creates a new one. */
  const [editingId, setEditingId] = useState<string | null>(null);
  const editing = rules.list.data?.find((rule) => rule.id === editingId) ?? null;
  const stopEditing = () => {
    setEditingId(null);
    setForm(empty);
  };
  const toast = useToast();
  const save = {
    error: rules.save.error,
    isPending: rules.save.isPending,
    mutate: () =>
      rules.save.mutate(
        editing
          ? {
              id: editing.id,
              name: form.name,
              input: () => ({ ...inputOf(form), isEnabled: editing.isEnabled }),
            }
          : { name: form.name, input: () => inputOf(form) },
        { onSuccess: stopEditing },
      ),
  };
  // Only the flag is sent: the whole rule sent back would be validated again as input, and a stored
  // rule that no longer validates (a pattern that can never match) could then never be disabled.
  const toggle = useMutation({
    mutationFn: (rule: View<Name>) =>
      api<View<Name>>(`${path}/${rule.id}`, { method: "PATCH", body: { isEnabled: !rule.isEnabled } }),
    onSuccess: (_result, rule) => {
      const Noun = noun.charAt(0).toUpperCase() + noun.slice(1);
      toast(`${Noun} ${rule.name} ${rule.isEnabled ? "disabled" : "enabled"}`);
      return rules.refresh();
    },
  });
  const remove = {
    mutate: (rule: View<Name>) =>
      rules.remove.mutate(rule, { onSuccess: () => (rule.id === editingId ? stopEditing() : undefined) }),
  };
  /** Sets the form after an edit of `field`, whose error message then goes. */
  const change = (next: Form, field: string) => {
    setForm(next);
    rules.edited(field);
  };
  const startEditing = (rule: View<Name>) => {
    setEditingId(rule.id);
    setForm(formOf(rule));
    document.getElementById(options.focusId)?.focus();
  };
  /** What the page's form takes, the same on every rule page. */
  const formProps: RuleFormProps<Form> = {
    form,
    onChange: change,
    onSubmit: () => save.mutate(),
    onCancel: editing ? stopEditing : null,
    editingName: editing?.name ?? null,
    errors: rules.errors,
    error: save.error,
    isSaving: save.isPending,
  };
  /** What the page's table of rules takes. */
  const tableProps: RuleTableProps<View<Name>> = {
    rules: rules.list.data,
    onEdit: startEditing,
    onToggle: (rule) => toggle.mutate(rule),
    onDelete: (rule) => remove.mutate(rule),
  };
  return {
    formProps,
    tableProps,
    refresh: rules.refresh,
    /** The first failure of the list or a row action, for the page's banner. */
    listError: rules.listError ?? toggle.error,
  };
}
