import type { DetectorRule } from "@sluice/masking/content-masker";
import { planScans, type ScanMode } from "@sluice/masking/row-masker";
import { matchesSelector } from "@sluice/masking/selector";
import type { MaskRule } from "@sluice/masking/strategies";
import { type ColumnDefinition, FieldType } from "@sluice/mysql-wire/column-definition";
import { contentRules } from "@sluice/policy/content-rules";
import type { MaskingRuleDef } from "@sluice/policy/rules";
import { isCleanOrigin, isComputedFromMasked, type MaskingScope } from "./masking-scope";
import { STRING_TYPES } from "./recorded-rows";

/** Rules that apply to an agent: every selector rule whose exempt groups the agent is in none of. */
export function applicableRules(
  rules: readonly MaskingRuleDef[],
  groups: readonly string[],
): MaskingRuleDef[] {
  return rules.filter(
    (rule) => rule.selector !== null && !rule.exemptGroups.some((group) => groups.includes(group)),
  );
}

/** The content-detector rules that apply to an agent (its exemptions removed), as the Postgres path takes them. */
export function applicableDetectors(
  rules: readonly MaskingRuleDef[],
  groups: readonly string[],
  log: (line: string) => void,
): DetectorRule[] {
  return contentRules(
    rules.filter((rule) => !rule.exemptGroups.some((group) => groups.includes(group))),
    log,
  );
}

/**
 * One result set's plan: per column the rule that masks it whole (see planColumns), and for each
 * column no rule masks, how the content detectors search it (the masking package's planScans,
 * the same decision the Postgres path makes).
 */
export type RowPlan = {
  rules: Array<MaskRule | null>;
  scan: ScanMode[];
  detectors: readonly DetectorRule[];
};

export function planRow(
  columns: readonly ColumnDefinition[],
  rules: readonly MaskingRuleDef[],
  scope: MaskingScope,
  detectors: readonly DetectorRule[],
): RowPlan {
  const masks = planColumns(columns, rules, scope);
  const scan = planScans(masks, (index) => scanModeOf(columns[index] as ColumnDefinition), detectors);
  return { rules: masks, scan, detectors };
}

/**
 * Every string value is text the detectors search: character columns, JSON, ENUM and SET, and
 * binary strings too (`CAST(notes AS BINARY)` sends the same bytes under the binary charset).
 * Numbers and temporal values are not searched, as on the Postgres path.
 */
function scanModeOf(column: ColumnDefinition): ScanMode {
  if (column.type === FieldType.Json) return "json";
  return STRING_TYPES.has(column.type) ? "text" : null;
}

/** Masks a computed column that may read a masked one, when lineage cannot prove it clean. */
export const FAIL_CLOSED_RULE: MaskRule = { name: "sluice:computed-from-masked", strategy: "REDACT" };

/**
 * Per output column, the rule that masks it or null. By origin first: the column definition's
 * `schema.org_table.org_name` is where the server read the value, and a rule on it decides. When the
 * statement may read masked values (see masking-scope.ts), a column is in clear only when its
 * origin is a stored table's column in the catalog (not a view, not a derived table or CTE that
 * borrowed a table's name) or it is made from literals: every other column is redacted. Fail closed.
 */
export function planColumns(
  columns: readonly ColumnDefinition[],
  rules: readonly MaskingRuleDef[],
  scope: MaskingScope,
): Array<MaskRule | null> {
  const isAligned = (outputs: readonly boolean[] | null): outputs is readonly boolean[] =>
    outputs !== null && outputs.length === columns.length;
  return columns.map((column, index) => {
    if (column.orgTable !== "") {
      const name = { schema: column.schema, table: column.orgTable, column: column.orgName };
      const rule = rules.find((candidate) => matchesSelector(candidate.selector as string, name));
      if (rule)
        return {
          name: rule.name,
          strategy: rule.strategy,
          ...(rule.keepLast !== null ? { keepLast: rule.keepLast } : {}),
        };
    }
    if (column.orgTable !== "" && isComputedFromMasked(scope, column)) return FAIL_CLOSED_RULE;
    if (!scope.readsMasked || isCleanOrigin(scope, column)) return null;
    if (isAligned(scope.constants) && scope.constants[index] === true) return null;
    if (isAligned(scope.cleanOutputs) && scope.cleanOutputs[index] === true) return null;
    return FAIL_CLOSED_RULE;
  });
}
