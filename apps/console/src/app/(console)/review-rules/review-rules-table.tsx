"use client";

import { ConfirmButton } from "@/client/confirm-button";
import { Badge, Card, EmptyState, secondaryButtonClass, Table } from "@/client/ui";
import { describeExpiry, describeReviewMatch, type ReviewRuleView } from "./review-rule-options";

type Props = {
  rules: ReviewRuleView[] | undefined;
  onEdit: (rule: ReviewRuleView) => void;
  onToggle: (rule: ReviewRuleView) => void;
  onDelete: (rule: ReviewRuleView) => void;
};

export function ReviewRulesTable({ rules, onEdit, onToggle, onDelete }: Props) {
  return (
    <Card title="Rules">
      {rules?.length === 0 ? (
        <EmptyState>No review rules: no statement waits for a human.</EmptyState>
      ) : (
        <Table head={["Name", "Connection", "Matches", "Reviewers", "Expires", ""]}>
          {rules?.map((rule) => (
            <tr key={rule.id} data-testid={`review-rule-${rule.name}`}>
              <td className="px-2 py-2 font-medium">
                {rule.name} {rule.isEnabled ? null : <Badge>disabled</Badge>}
              </td>
              <td className="px-2 py-2">{rule.connectionName ?? "every connection"}</td>
              <td className="px-2 py-2 text-xs break-words">{describeReviewMatch(rule.match)}</td>
              <td className="px-2 py-2">
                {rule.reviewerGroups.join(", ")} ({rule.mode === "ALL_OF" ? "all of" : "any of"},{" "}
                {rule.minApprovals} approval{rule.minApprovals > 1 ? "s" : ""})
              </td>
              <td className="px-2 py-2" data-testid="review-rule-expiry">
                {describeExpiry(rule.timeoutSeconds)}
                {rule.isBlocking ? "" : " (refuses at once)"}
              </td>
              <td className="px-2 py-2">
                <div className="flex flex-wrap justify-end gap-2">
                  <button
                    type="button"
                    className={secondaryButtonClass}
                    aria-label={`Edit review rule ${rule.name}`}
                    onClick={() => onEdit(rule)}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    className={secondaryButtonClass}
                    aria-label={`${rule.isEnabled ? "Disable" : "Enable"} review rule ${rule.name}`}
                    onClick={() => onToggle(rule)}
                  >
                    {rule.isEnabled ? "Disable" : "Enable"}
                  </button>
                  <ConfirmButton
                    label="Delete"
                    accessibleName={`Delete review rule ${rule.name}`}
                    title={`Delete review rule ${rule.name}?`}
                    impact="Statements it holds for review run without one from the next statement on. To stop it for now, disable it instead."
                    confirmLabel="Delete rule"
                    onConfirm={() => onDelete(rule)}
                  />
                </div>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Card>
  );
}
