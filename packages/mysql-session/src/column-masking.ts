import { matchesSelector } from "@sluice/masking/selector";
import type { MaskRule } from "@sluice/masking/strategies";
import type { ColumnDefinition } from "@sluice/mysql-wire/column-definition";
import type { MaskingRuleDef } from "@sluice/policy/rules";
import type { Verdict } from "@sluice/policy/verdict";

/** Rules that apply to an agent: every selector rule whose exempt groups the agent is in none of. */
export function applicableRules(
  rules: readonly MaskingRuleDef[],
  groups: readonly string[],
): MaskingRuleDef[] {
  return rules.filter(
    (rule) => rule.selector !== null && !rule.exemptGroups.some((group) => groups.includes(group)),
  );
}

/** Masks a computed column that may read a masked one, when lineage cannot prove it clean. */
export const FAIL_CLOSED_RULE: MaskRule = { name: "sluice:computed-from-masked", strategy: "REDACT" };

/**
 * Per output column, the rule that masks it or null. By origin first: the column definition's
 * `schema.org_table.org_name` is where the server read the value. A column with no origin (an
 * expression: CONCAT, JSON_OBJECT, a subquery) is masked whenever the statement reads a masked
 * table and lineage has not proved that output clean: fail closed.
 */
export function planColumns(
  columns: readonly ColumnDefinition[],
  rules: readonly MaskingRuleDef[],
  verdict: Extract<Verdict, { kind: "allow" }> | null,
  /** Outputs made from literals alone (see constantOutputs in mysql-sql), in clear whatever is read. */
  constants: readonly boolean[] | null,
): Array<MaskRule | null> {
  const readsMasked = (verdict?.maskedTables?.length ?? 0) > 0;
  const named = new Set(
    (verdict?.relations ?? []).flat().map((name) => name.slice(name.lastIndexOf(".") + 1)),
  );
  const isAligned = constants !== null && constants.length === columns.length;
  return columns.map((column, index) => {
    // A derived table's or CTE's column names the derived alias as its origin, not a stored table.
    const isStored = column.orgTable !== "" && column.orgName !== "" && named.has(column.orgTable);
    if (isStored || (!readsMasked && column.orgTable !== "")) {
      const name = { schema: column.schema, table: column.orgTable, column: column.orgName };
      const rule = rules.find((candidate) => matchesSelector(candidate.selector as string, name));
      if (rule)
        return {
          name: rule.name,
          strategy: rule.strategy,
          ...(rule.keepLast !== null ? { keepLast: rule.keepLast } : {}),
        };
      return null;
    }
    if (!readsMasked) return null;
    if (verdict?.cleanOutputs?.[index] === true || (isAligned && constants[index] === true)) return null;
    return FAIL_CLOSED_RULE;
  });
}
