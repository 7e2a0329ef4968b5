"use client";

import { NeverMatchesNote } from "@/client/never-matches-note";
import { RuleRowActions, type RuleTableProps } from "@/client/rule-row-actions";
import { Badge, Card, EmptyState, Table } from "@/client/ui";
import { describeMatch } from "./describe-match";
import { GUARDRAIL_KINDS } from "./guardrail-kinds";
import { type GuardrailView, matchOf } from "./guardrail-options";

type Props = RuleTableProps<GuardrailView>;

export function GuardrailsTable({ rules, onEdit, onToggle, onDelete }: Props) {
  return (
    <Card title="Rules">
      {rules?.length === 0 ? (
        <EmptyState>
          No guardrails of your own yet; the built-in defaults apply. Add one, then try a statement below.
        </EmptyState>
      ) : (
        <Table head={["Name", "Connection", "Looks at", "Parameters", "Effect", ""]}>
          {rules?.map((rule) => (
            <tr key={rule.id} data-testid={`guardrail-${rule.name}`}>
              <td className="px-2 py-2 font-medium">
                {rule.name} {rule.isEnabled ? null : <Badge>disabled</Badge>}
              </td>
              <td className="px-2 py-2">
                {rule.connectionName ?? <span className="text-slate-500">every connection</span>}
              </td>
              <td className="px-2 py-2">{GUARDRAIL_KINDS[rule.kind]?.label ?? rule.kind}</td>
              <td className="px-2 py-2 font-mono text-xs break-words">
                <span data-testid="guardrail-parameters">{describeMatch(rule.kind, matchOf(rule))}</span>
                <NeverMatchesNote why={rule.neverMatches} noun="guardrail" />
              </td>
              <td className="px-2 py-2">
                {rule.effect === "DENY" ? <Badge tone="red">deny</Badge> : <Badge tone="green">allow</Badge>}
              </td>
              <td className="px-2 py-2">
                <RuleRowActions
                  noun="guardrail"
                  name={rule.name}
                  isEnabled={rule.isEnabled}
                  deleteImpact={`What it ${rule.effect === "DENY" ? "refuses" : "allows"} is judged without it from the next statement on.`}
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
