"use client";

import { ErrorBanner, PageHeader } from "@/client/ui";
import { useRuleEditor } from "@/client/use-rule-editor";
import { GuardrailFormCard } from "./guardrail-form";
import { EMPTY_GUARDRAIL_FORM, formOf, inputOf } from "./guardrail-options";
import { GuardrailsTable } from "./guardrails-table";

export function GuardrailsPanel() {
  const editor = useRuleEditor({
    resource: "guardrails",
    empty: EMPTY_GUARDRAIL_FORM,
    formOf,
    inputOf,
    focusId: "guardrail-name",
  });
  return (
    <>
      <PageHeader
        title="Guardrails"
        description="Deny lists that understand SQL and HTTP: judged on what a statement does (the database's own grammar) or what a call is (method, path, query, body as the upstream reads them), not on text. Built-in defaults already refuse file, program and network functions, privilege changes and SQL hidden in strings."
      />
      <GuardrailFormCard {...editor.formProps} />
      <ErrorBanner error={editor.listError} />
      <GuardrailsTable {...editor.tableProps} />
    </>
  );
}
