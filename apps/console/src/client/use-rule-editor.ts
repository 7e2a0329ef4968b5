"use client";

import type { RuleApi, RuleResourceName } from "@sluice/admin/api-contract";
import { RULE_RESOURCES } from "@sluice/admin/api-contract";
import { type QueryKey, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "./api";
import { resourceKeys } from "./query-keys";
import { useToast } from "./toast";
import { useFieldErrors } from "./use-field-errors";

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
  /** What a disable/enable sends for a saved rule, without going through the form. */
  savedInputOf: (rule: View<Name>) => Input<Name>;
  /** The form field that takes focus when a rule is opened for editing. */
  focusId: string;
  /** Other lists a change here alters (a review rule creates reviewer groups it names). */
  alsoInvalidates?: QueryKey[];
};

/**
 * One rule resource edited in place, the same on every rule page: its list, a form that creates or
 * edits, Disable/Enable and Delete, a toast naming the rule after each change, and field errors that
 * clear as their field is edited. Pages differ only in their form and table.
 */
export function useRuleEditor<Name extends RuleResourceName, Form extends { name: string }>(
  options: RuleEditorOptions<Name, Form>,
) {
  const { resource, empty, formOf, inputOf, savedInputOf } = options;
  const { path, noun } = RULE_RESOURCES[resource];
  const Noun = noun.charAt(0).toUpperCase() + noun.slice(1);
  const keys = resourceKeys(resource);
  const queryClient = useQueryClient();
  const toast = useToast();
  const rules = useQuery({ queryKey: keys.list(), queryFn: () => api<View<Name>[]>(path) });
  const [form, setForm] = useState(empty);
  /** The rule being edited, or null while the form creates a new one. */
  const [editingId, setEditingId] = useState<string | null>(null);
  const editing = rules.data?.find((rule) => rule.id === editingId) ?? null;
  const refresh = () =>
    Promise.all(
      [keys.all, ...(options.alsoInvalidates ?? [])].map((queryKey) =>
        queryClient.invalidateQueries({ queryKey }),
      ),
    );
  const stopEditing = () => {
    setEditingId(null);
    setForm(empty);
  };
  const save = useMutation({
    mutationFn: () =>
      editing
        ? api<View<Name>>(`${path}/${editing.id}`, {
            method: "PATCH",
            body: { ...inputOf(form), isEnabled: editing.isEnabled },
          })
        : api<View<Name>>(path, { method: "POST", body: inputOf(form) }),
    onSuccess: () => {
      toast(`${Noun} ${form.name} saved`);
      stopEditing();
      void refresh();
    },
  });
  const toggle = useMutation({
    mutationFn: (rule: View<Name>) =>
      api<View<Name>>(`${path}/${rule.id}`, {
        method: "PATCH",
        body: { ...savedInputOf(rule), isEnabled: !rule.isEnabled },
      }),
    onSuccess: (_result, rule) => {
      toast(`${Noun} ${rule.name} ${rule.isEnabled ? "disabled" : "enabled"}`);
      return refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (rule: View<Name>) => api<void>(`${path}/${rule.id}`, { method: "DELETE" }),
    onSuccess: (_result, rule) => {
      toast(`${Noun} ${rule.name} deleted`);
      if (rule.id === editingId) stopEditing();
      return refresh();
    },
  });
  const { errors, edited } = useFieldErrors(save.error);
  return {
    rules,
    form,
    /** Sets the form after an edit of `field`, whose error message then goes. */
    change: (next: Form, field: string) => {
      setForm(next);
      edited(field);
    },
    editing,
    startEditing: (rule: View<Name>) => {
      setEditingId(rule.id);
      setForm(formOf(rule));
      document.getElementById(options.focusId)?.focus();
    },
    stopEditing,
    save,
    toggle,
    remove,
    errors,
    refresh,
    /** The first failure of the list or a row action, for the page's banner. */
    listError: rules.error ?? toggle.error ?? remove.error,
  };
}
