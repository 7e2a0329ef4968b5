"use client";

import { RuleRowActions, type RuleTableProps } from "@/client/rule-row-actions";
import { Badge, Card, EmptyState, Table } from "@/client/ui";
import type { MaskingRuleView } from "./masking-options";

type Props = RuleTableProps<MaskingRuleView>;

export function MaskingRulesTable({ rules, onEdit, onToggle, onDelete }: Props) {
  return (
    <Card title="Rules">
      {rules?.length === 0 ? (
        <EmptyState>
          No masking rules: every column reaches agents in clear. Add one for each sensitive column.
        </EmptyState>
      ) : (
        <Table head={["Name", "Connection", "Selector", "Strategy", "Exempt groups", ""]}>
          {rules?.map((rule) => (
            <tr key={rule.id} data-testid={`masking-rule-${rule.name}`}>
              <td className="px-2 py-2 font-medium">
                {rule.name} {rule.isEnabled ? null : <Badge>disabled</Badge>}
              </td>
              <td className="px-2 py-2">
                {rule.connectionName ?? <span className="text-slate-500">every connection</span>}
              </td>
              <td className="px-2 py-2 font-mono text-xs break-words">
                {rule.columnSelector ??
                  (rule.jsonPointer ? `field: ${rule.jsonPointer}` : `detector: ${rule.detector}`)}
              </td>
              <td className="px-2 py-2">
                {rule.strategy.toLowerCase()}
                {rule.keepLast ? ` (last ${rule.keepLast})` : ""}
              </td>
              <td className="px-2 py-2">
                {rule.exemptGroups.length ? (
                  rule.exemptGroups.map((group) => (
                    <Badge key={group} tone="amber">
                      {group}
                    </Badge>
                  ))
                ) : (
                  <span className="text-slate-500">none</span>
                )}
              </td>
              <td className="px-2 py-2">
                <RuleRowActions
                  noun="masking rule"
                  name={rule.name}
                  isEnabled={rule.isEnabled}
                  deleteImpact="Values it masks reach agents in clear from the next statement on, unless another rule or a detector still covers them."
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
