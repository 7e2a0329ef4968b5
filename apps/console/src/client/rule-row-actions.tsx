"use client";

import { ConfirmButton } from "./confirm-button";
import { secondaryButtonClass } from "./ui";

/** What every rule page hands its table of rules (from `useRuleEditor`). */
export type RuleTableProps<Rule> = {
  /** Undefined while the list loads. */
  rules: Rule[] | undefined;
  onEdit: (rule: Rule) => void;
  onToggle: (rule: Rule) => void;
  onDelete: (rule: Rule) => void;
};

/**
 * Edit, Disable/Enable and Delete for one rule's row, the same on every rule page: each button named
 * for the rule it acts on ("Delete masking rule pii-email"), Delete only after a confirmation that
 * says what stops and that disabling is the reversible choice.
 */
export function RuleRowActions({
  noun,
  name,
  isEnabled,
  deleteImpact,
  onEdit,
  onToggle,
  onDelete,
}: {
  /** What kind of rule, as people say it: "masking rule", "review rule", "guardrail". */
  noun: string;
  name: string;
  isEnabled: boolean;
  /** What deleting changes, from the next statement on. */
  deleteImpact: string;
  onEdit: () => void;
  onToggle: () => void;
  onDelete: () => void;
}) {
  return (
    <div className="flex flex-wrap justify-end gap-2">
      <button
        type="button"
        className={secondaryButtonClass}
        aria-label={`Edit ${noun} ${name}`}
        onClick={onEdit}
      >
        Edit
      </button>
      <button
        type="button"
        className={secondaryButtonClass}
        aria-label={`${isEnabled ? "Disable" : "Enable"} ${noun} ${name}`}
        onClick={onToggle}
      >
        {isEnabled ? "Disable" : "Enable"}
      </button>
      <ConfirmButton
        label="Delete"
        accessibleName={`Delete ${noun} ${name}`}
        title={`Delete ${noun} ${name}?`}
        impact={`${deleteImpact} To stop it for now, disable it instead.`}
        confirmLabel={noun === "guardrail" ? "Delete guardrail" : "Delete rule"}
        onConfirm={onDelete}
      />
    </div>
  );
}
