"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/client/api";
import { useToast } from "@/client/toast";
import { ErrorBanner, PageHeader, splitNames } from "@/client/ui";
import { useFieldErrors } from "@/client/use-field-errors";
import { ReviewRuleForm } from "./review-rule-form";
import {
  bodyOf,
  EMPTY_REVIEW_RULE_FORM,
  formOf,
  type ReviewerGroup,
  type ReviewRuleView,
} from "./review-rule-options";
import { ReviewRulesTable } from "./review-rules-table";
import { ReviewerGroupsCard } from "./reviewer-groups-card";

export function ReviewRulesPanel() {
  const queryClient = useQueryClient();
  const toast = useToast();
  const groups = useQuery({
    queryKey: ["reviewer-groups"],
    queryFn: () => api<ReviewerGroup[]>("/reviewer-groups"),
  });
  const rules = useQuery({
    queryKey: ["review-rules"],
    queryFn: () => api<ReviewRuleView[]>("/review-rules"),
  });
  const [form, setForm] = useState(EMPTY_REVIEW_RULE_FORM);
  /** The rule being edited, or null while the form creates a new one. */
  const [editingId, setEditingId] = useState<string | null>(null);
  const editing = rules.data?.find((rule) => rule.id === editingId) ?? null;
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ["reviewer-groups"] }),
      queryClient.invalidateQueries({ queryKey: ["review-rules"] }),
    ]);
  const stopEditing = () => {
    setEditingId(null);
    setForm(EMPTY_REVIEW_RULE_FORM);
  };
  const save = useMutation({
    mutationFn: () => {
      const body = bodyOf(form, splitNames);
      return editing
        ? api(`/review-rules/${editing.id}`, {
            method: "PATCH",
            body: { ...body, isEnabled: editing.isEnabled },
          })
        : api("/review-rules", { method: "POST", body });
    },
    onSuccess: () => {
      toast(`Review rule ${form.name} saved`);
      stopEditing();
      void refresh();
    },
  });
  const toggle = useMutation({
    mutationFn: (rule: ReviewRuleView) =>
      api(`/review-rules/${rule.id}`, {
        method: "PATCH",
        body: { ...bodyOf(formOf(rule), splitNames), isEnabled: !rule.isEnabled },
      }),
    onSuccess: (_result, rule) => {
      toast(`Review rule ${rule.name} ${rule.isEnabled ? "disabled" : "enabled"}`);
      return refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (rule: ReviewRuleView) => api(`/review-rules/${rule.id}`, { method: "DELETE" }),
    onSuccess: (_result, rule) => {
      toast(`Review rule ${rule.name} deleted`);
      if (rule.id === editingId) stopEditing();
      return refresh();
    },
  });
  const { errors, edited } = useFieldErrors(save.error);

  return (
    <>
      <PageHeader
        title="Review rules"
        description="Statements that wait for a human before they reach the database, and the reviewer groups (from your identity provider) who decide."
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <ReviewerGroupsCard groups={groups.data} onChanged={refresh} />
        <ReviewRuleForm
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
      </div>
      <div className="mt-6">
        <ErrorBanner error={rules.error ?? remove.error ?? toggle.error} />
        <ReviewRulesTable
          rules={rules.data}
          onEdit={(rule) => {
            setEditingId(rule.id);
            setForm(formOf(rule));
            document.getElementById("rule-name")?.focus();
          }}
          onToggle={(rule) => toggle.mutate(rule)}
          onDelete={(rule) => remove.mutate(rule)}
        />
      </div>
    </>
  );
}
