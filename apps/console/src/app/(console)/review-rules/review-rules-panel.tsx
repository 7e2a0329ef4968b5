"use client";

import { useQuery } from "@tanstack/react-query";
import { api } from "@/client/api";
import { queryKeys } from "@/client/query-keys";
import { ErrorBanner, PageHeader } from "@/client/ui";
import { useRuleEditor } from "@/client/use-rule-editor";
import { ReviewRuleForm } from "./review-rule-form";
import { EMPTY_REVIEW_RULE_FORM, formOf, inputOf, type ReviewerGroup } from "./review-rule-options";
import { ReviewRulesTable } from "./review-rules-table";
import { ReviewerGroupsCard } from "./reviewer-groups-card";

export function ReviewRulesPanel() {
  const groups = useQuery({
    queryKey: queryKeys.reviewerGroups.list(),
    queryFn: () => api<ReviewerGroup[]>("/reviewer-groups"),
  });
  const editor = useRuleEditor({
    resource: "review-rules",
    empty: EMPTY_REVIEW_RULE_FORM,
    formOf,
    inputOf,
    focusId: "rule-name",
    // A rule naming a reviewer group that does not exist yet creates it.
    alsoInvalidates: [queryKeys.reviewerGroups.all],
  });

  return (
    <>
      <PageHeader
        title="Review rules"
        description="Statements and HTTP calls that wait for a human before they reach the upstream, and the reviewer groups (from your identity provider) who decide."
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <ReviewerGroupsCard groups={groups.data} onChanged={editor.refresh} />
        <ReviewRuleForm {...editor.formProps} />
      </div>
      <div className="mt-6">
        <ErrorBanner error={editor.listError} />
        <ReviewRulesTable {...editor.tableProps} />
      </div>
    </>
  );
}
