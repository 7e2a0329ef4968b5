import { type DetectorRule, maskDetected } from "./content-masker";
import type { FieldInfo } from "./row-description";
import { type MaskRule, maskValue } from "./strategies";

/**
 * What to do with each column of a result: a rule masks it whole; otherwise, when content rules
 * apply, `scan` says how its bytes are searched for sensitive values.
 */
export type MaskPlan = {
  fields: FieldInfo[];
  rules: (MaskRule | null)[];
  scan: ScanMode[];
  detectors: readonly DetectorRule[];
};

/** As UTF-8 text, as binary jsonb (a version byte, then text), or not at all. */
type ScanMode = "text" | "jsonb-binary" | null;

/** Types whose text form can take a placeholder in place of part of it and stay valid. */
const SCANNABLE_TEXT_TYPES = new Set([25, 1043, 1042, 19, 705, 114, 3802, 142, 2249, 1009, 1015, 199, 3807]);
/** Types whose binary form is the UTF-8 text itself. */
const SCANNABLE_BINARY_TYPES = new Set([25, 1043, 1042, 19, 114, 142, 705]);
const JSONB_OID = 3802;
/** Rows and arrays of text in binary form: values inside length-prefixed structures, not searchable in place. */
const STRUCTURED_BINARY_TYPES = new Set([2249, 1009, 1015, 199, 3807]);

function scanModeOf(field: FieldInfo): ScanMode | "opaque" {
  if (field.format !== 1) return SCANNABLE_TEXT_TYPES.has(field.typeOid) ? "text" : null;
  if (SCANNABLE_BINARY_TYPES.has(field.typeOid)) return "text";
  if (field.typeOid === JSONB_OID) return "jsonb-binary";
  return STRUCTURED_BINARY_TYPES.has(field.typeOid) ? "opaque" : null;
}

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
  detectors: readonly DetectorRule[] = [],
): MaskPlan | null {
  // Lineage only counts when it describes exactly this result's columns.
  const clean = cleanOutputs?.length === fields.length ? cleanOutputs : null;
  const rules = fields.map((field, i) => {
    if (field.tableOid !== 0) return origins.ruleFor(field.tableOid, field.attnum);
    return hasMaskedTableInScope && clean?.[i] !== true ? UNPROVABLE_RULE : null;
  });
  const scan: ScanMode[] = fields.map((field, i) => {
    if (detectors.length === 0 || rules[i] !== null) return null;
    const mode = scanModeOf(field);
    if (mode !== "opaque") return mode;
    // Content rules apply but this value cannot be searched in place: masked whole, fail closed.
    rules[i] = UNPROVABLE_RULE;
    return null;
  });
  return rules.some((rule) => rule !== null) || scan.some(Boolean)
    ? { fields, rules, scan, detectors }
    : null;
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
    const mode = plan?.scan[i] ?? null;
    if (!rule && mode && value !== null) {
      const prefix = mode === "jsonb-binary" ? value.subarray(0, 1) : Buffer.alloc(0);
      const text = value.subarray(prefix.length).toString("utf8");
      const detected = maskDetected(text, plan?.detectors ?? [], hashKey);
      if (detected !== null) {
        const bytes = Buffer.concat([prefix, Buffer.from(detected, "utf8")]);
        const header = Buffer.alloc(4);
        header.writeInt32BE(bytes.length);
        parts.push(header, bytes);
        continue;
      }
    }
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
