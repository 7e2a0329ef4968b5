"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/client/api";
import { useToast } from "@/client/toast";
import { ErrorBanner, PageHeader, splitNames } from "@/client/ui";
import { useFieldErrors } from "@/client/use-field-errors";
import { bodyOf, EMPTY_MASKING_FORM, formOf, type MaskingRuleView } from "./masking-options";
import { MaskingRuleForm } from "./masking-rule-form";
import { MaskingRulesTable } from "./masking-rules-table";

export function MaskingPanel() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const rules = useQuery({
    queryKey: ["masking-rules"],
    queryFn: () => api<MaskingRuleView[]>("/masking-rules"),
  });
  const [form, setForm] = useState(EMPTY_MASKING_FORM);
  /** The rule being edited, or null while the form creates a new one. */
  const [editingId, setEditingId] = useState<string | null>(null);
  const editing = rules.data?.find((rule) => rule.id === editingId) ?? null;
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["masking-rules"] });
  const stopEditing = () => {
    setEditingId(null);
    setForm(EMPTY_MASKING_FORM);
  };
  const save = useMutation({
    mutationFn: () => {
      const body = bodyOf(form, splitNames);
      return editing
        ? api(`/masking-rules/${editing.id}`, {
            method: "PATCH",
            body: { ...body, isEnabled: editing.isEnabled },
          })
        : api("/masking-rules", { method: "POST", body });
    },
    onSuccess: () => {
      toast(`Masking rule ${form.name} saved`);
      stopEditing();
      void refresh();
    },
  });
  const toggle = useMutation({
    mutationFn: (rule: MaskingRuleView) =>
      api(`/masking-rules/${rule.id}`, {
        method: "PATCH",
        body: { ...bodyOf(formOf(rule), splitNames), isEnabled: !rule.isEnabled },
      }),
    onSuccess: (_result, rule) => {
      toast(`Masking rule ${rule.name} ${rule.isEnabled ? "disabled" : "enabled"}`);
      return refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (rule: MaskingRuleView) => api(`/masking-rules/${rule.id}`, { method: "DELETE" }),
    onSuccess: (_result, rule) => {
      toast(`Masking rule ${rule.name} deleted`);
      if (rule.id === editingId) stopEditing();
      return refresh();
    },
  });
  const { errors, edited } = useFieldErrors(save.error);

  return (
    <>
      <PageHeader
        title="Masking"
        description="Columns whose values never reach agents in clear. The gateway rewrites each row as it passes; an exempt agent group sees clear values, and that shows here and in recordings."
      />
      <MaskingRuleForm
        form={form}
        onChange={(next, field) => {
          setForm(next);
          edited(field);
        }}
        onSubmit={() => save.mutate()}
        onCancel={editing ? stopEditing : null}
        editingName={editing?.name ?? null}
        errors={errors}
        error={save.error}
        isSaving={save.isPending}
      />
      <ErrorBanner error={rules.error ?? remove.error ?? toggle.error} />
      <MaskingRulesTable
        rules={rules.data}
        onEdit={(rule) => {
          setEditingId(rule.id);
          setForm(formOf(rule));
          document.getElementById("masking-name")?.focus();
        }}
        onToggle={(rule) => toggle.mutate(rule)}
        onDelete={(rule) => remove.mutate(rule)}
      />
    </>
  );
}
