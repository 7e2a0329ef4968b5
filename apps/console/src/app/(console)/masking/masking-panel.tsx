"use client";

import { ErrorBanner, PageHeader } from "@/client/ui";
import { useRuleEditor } from "@/client/use-rule-editor";
import { EMPTY_MASKING_FORM, formOf, inputOf } from "./masking-options";
import { MaskingRuleForm } from "./masking-rule-form";
import { MaskingRulesTable } from "./masking-rules-table";

export function MaskingPanel() {
  const editor = useRuleEditor({
    resource: "masking-rules",
    empty: EMPTY_MASKING_FORM,
    formOf,
    inputOf,
    focusId: "masking-name",
  });
  return (
    <>
      <PageHeader
        title="Masking"
        description="Columns and HTTP response fields whose values never reach agents in clear. The gateway rewrites each row or response as it passes; an exempt agent group sees clear values, and that shows here and in recordings."
      />
      <MaskingRuleForm {...editor.formProps} />
      <ErrorBanner error={editor.listError} />
      <MaskingRulesTable {...editor.tableProps} />
    </>
  );
}
