"use client";

import { NeverMatchesNote } from "@/client/never-matches-note";
import { RuleRowActions, type RuleTableProps } from "@/client/rule-row-actions";
import { Badge, Card, EmptyState, Table } from "@/client/ui";
import { describeExpiry, describeReviewMatch, type ReviewRuleView } from "./review-rule-options";

type Props = RuleTableProps<ReviewRuleView>;

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
              <td className="px-2 py-2 text-xs break-words">
                {describeReviewMatch(rule.match)}
                <NeverMatchesNote why={rule.neverMatches} noun="review rule" />
              </td>
              <td className="px-2 py-2">
                {rule.reviewerGroups.join(", ")} ({rule.mode === "ALL_OF" ? "all of" : "any of"},{" "}
                {rule.minApprovals} approval{rule.minApprovals > 1 ? "s" : ""})
              </td>
              <td className="px-2 py-2" data-testid="review-rule-expiry">
                {describeExpiry(rule.timeoutSeconds)}
                {rule.isBlocking ? "" : " (refuses at once)"}
              </td>
              <td className="px-2 py-2">
                <RuleRowActions
                  noun="review rule"
                  name={rule.name}
                  isEnabled={rule.isEnabled}
                  deleteImpact="Statements it holds for review run without one from the next statement on."
                  onEdit={() => onEdit(rule)}
                  onToggle={() => onToggle(rule)}
                  onDelete={() => onDelete(rule)}
                />
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Card>
  );
}
