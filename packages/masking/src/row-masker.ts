import type { FieldInfo } from "./row-description";
import { type MaskRule, maskValue } from "./strategies";

/** What to do with each column of a result: null keeps it, a rule masks it. */
export type MaskPlan = { fields: FieldInfo[]; rules: (MaskRule | null)[] };

/** Masking for unprovable columns: nothing weaker than a redaction. */
export const UNPROVABLE_RULE: MaskRule = { name: "sluice:unprovable-column", strategy: "REDACT" };

export type ColumnOrigins = {
  /** The rule for a table column, or null when it is not sensitive. */
  ruleFor: (tableOid: number, attnum: number) => MaskRule | null;
};

/**
 * The plan for one result set. A column from a table is masked when a rule names it. A computed
 * column (no origin) is masked when a masked table is in the statement's scope: it cannot be
 * proven clean without lineage, so it is treated as sensitive.
 */
export function planMasking(
  fields: FieldInfo[],
  origins: ColumnOrigins,
  hasMaskedTableInScope: boolean,
  cleanOutputs: readonly boolean[] | null = null,
): MaskPlan | null {
  // Lineage only counts when it describes exactly this result's columns.
  const clean = cleanOutputs?.length === fields.length ? cleanOutputs : null;
  const rules = fields.map((field, i) => {
    if (field.tableOid !== 0) return origins.ruleFor(field.tableOid, field.attnum);
    return hasMaskedTableInScope && clean?.[i] !== true ? UNPROVABLE_RULE : null;
  });
  return rules.some((rule) => rule !== null) ? { fields, rules } : null;
}

/**
 * Rewrites one DataRow message ('D', header included) under a plan; values not masked are copied
 * byte for byte. With no plan (rows whose description the gateway never saw) every column is masked.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-DATAROW
 */
export function maskDataRow(raw: Buffer, plan: MaskPlan | null, hashKey: Buffer): Buffer {
  const count = raw.readInt16BE(5);
  const parts: Buffer[] = [raw.subarray(5, 7)];
  let offset = 7;
  for (let i = 0; i < count; i++) {
    const length = raw.readInt32BE(offset);
    const value = length < 0 ? null : raw.subarray(offset + 4, offset + 4 + length);
    offset += 4 + Math.max(length, 0);
    const rule = plan ? (plan.rules[i] ?? null) : UNPROVABLE_RULE;
    if (!rule) {
      parts.push(raw.subarray(offset - 4 - Math.max(length, 0), offset));
      continue;
    }
    const masked = maskValue(rule, value, plan?.fields[i]?.typeOid ?? 0, hashKey);
    const header = Buffer.alloc(4);
    header.writeInt32BE(masked === null ? -1 : masked.length);
    parts.push(masked === null ? header : Buffer.concat([header, masked]));
  }
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write("D", 0, "latin1");
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
