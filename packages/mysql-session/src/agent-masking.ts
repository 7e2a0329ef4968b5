import type { DetectorRule } from "@sluice/masking/content-masker";
import type { ColumnDefinition } from "@sluice/mysql-wire/column-definition";
import type { MaskingRuleDef } from "@sluice/policy/rules";
import { applicableDetectors, applicableRules, planRow, type RowPlan } from "./column-masking";
import type { MaskingScope } from "./masking-scope";

export type AgentMaskingOptions = {
  /** The connection's masking rules now (the policy may change during a session). */
  maskingRules: () => readonly MaskingRuleDef[];
  groups: readonly string[];
  /** Where a rule naming a detector Sluice does not have is reported. */
  log?: (line: string) => void;
};

/**
 * The connection's masking rules as they apply to its agent at this moment. They are read again
 * for every command, since the policy may change during a session; a result set's plan holds both
 * the column rules and the content detectors, as the Postgres path applies them.
 */
export class AgentMasking {
  /** Log lines already written: a rule's unknown detector is reported once per session. */
  private readonly reported = new Set<string>();
  private readonly reportOnce = (line: string): void => {
    if (this.reported.has(line)) return;
    this.reported.add(line);
    this.options.log?.(line);
  };

  constructor(private readonly options: AgentMaskingOptions) {}

  /** The selector (column) rules that apply: only these make a statement's shape worth reading. */
  columnRules(): MaskingRuleDef[] {
    return applicableRules(this.options.maskingRules(), this.options.groups);
  }

  detectors(): DetectorRule[] {
    return applicableDetectors(this.options.maskingRules(), this.options.groups, this.reportOnce);
  }

  /**
   * The rules that apply now, as one comparable string. A cursor's rows are masked by the plan of
   * its execution, column rules and detectors alike, so a change to either makes that plan stale.
   */
  rulesKey(): string {
    return JSON.stringify({ rules: this.columnRules(), detectors: this.detectors() });
  }

  /** How each result set of one answer is masked under `scope`, from its column definitions. */
  planner(scope: MaskingScope): {
    planFor: (columns: readonly ColumnDefinition[]) => RowPlan;
    detectors: readonly DetectorRule[];
  } {
    const rules = this.columnRules();
    const detectors = this.detectors();
    return { planFor: (columns) => planRow(columns, rules, scope, detectors), detectors };
  }
}
