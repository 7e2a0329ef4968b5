import { type DetectorRule, maskDetected } from "./content-masker";
import type { FieldInfo } from "./row-description";
import { type MaskRule, maskValue, REDACTED_TEXT } from "./strategies";

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
type ScanMode = "text" | "json" | "jsonb-binary" | null;
const JSON_OID = 114;

/** Types whose text form can take a placeholder in place of part of it and stay valid. */
const SCANNABLE_TEXT_TYPES = new Set([25, 1043, 1042, 19, 705, 114, 3802, 142, 2249, 1009, 1015, 199, 3807]);
/** Types whose binary form is the UTF-8 text itself. */
const SCANNABLE_BINARY_TYPES = new Set([25, 1043, 1042, 19, 114, 142, 705]);
const JSONB_OID = 3802;
/** Rows and arrays of text in binary form: values inside length-prefixed structures, not searchable in place. */
const STRUCTURED_BINARY_TYPES = new Set([2249, 1009, 1015, 199, 3807]);

function scanModeOf(field: FieldInfo): ScanMode | "opaque" {
  const isJson = field.typeOid === JSON_OID || field.typeOid === JSONB_OID;
  if (field.format !== 1) return SCANNABLE_TEXT_TYPES.has(field.typeOid) ? (isJson ? "json" : "text") : null;
  if (field.typeOid === JSON_OID) return "json";
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
  // First pass: the replacement of each column (undefined keeps its bytes), and the row's new size.
  const replaced: (Buffer | null | undefined)[] = new Array(count);
  const starts: number[] = new Array(count);
  let size = 7;
  let offset = 7;
  for (let i = 0; i < count; i++) {
    const length = raw.readInt32BE(offset);
    starts[i] = offset;
    const value = length < 0 ? null : raw.subarray(offset + 4, offset + 4 + length);
    offset += 4 + Math.max(length, 0);
    const rule = plan ? (plan.rules[i] ?? null) : UNPROVABLE_RULE;
    let replacement: Buffer | null | undefined;
    if (rule) {
      replacement = maskValue(rule, value, plan?.fields[i]?.typeOid ?? 0, hashKey);
    } else if (plan?.scan[i] && value !== null) {
      replacement = scanValue(value, plan.scan[i] as Exclude<ScanMode, null>, plan.detectors, hashKey);
    }
    replaced[i] = replacement;
    size += replacement === undefined ? 4 + Math.max(length, 0) : 4 + (replacement?.length ?? 0);
  }
  // Second pass: one allocation, kept columns copied byte for byte.
  // `size` counts the whole message: type byte, length, column count and columns.
  const out = Buffer.allocUnsafe(size);
  out[0] = 0x44; // 'D'
  out.writeInt32BE(size - 1, 1);
  out.writeInt16BE(count, 5);
  let at = 7;
  for (let i = 0; i < count; i++) {
    const replacement = replaced[i];
    const start = starts[i] as number;
    if (replacement === undefined) {
      const length = raw.readInt32BE(start);
      at += raw.copy(out, at, start, start + 4 + Math.max(length, 0));
    } else if (replacement === null) {
      at = out.writeInt32BE(-1, at);
    } else {
      at = out.writeInt32BE(replacement.length, at);
      at += replacement.copy(out, at);
    }
  }
  return out;
}

/** Masks what content rules find in one value; undefined when nothing matched (the bytes stay). */
function scanValue(
  value: Buffer,
  mode: Exclude<ScanMode, null>,
  detectors: readonly DetectorRule[],
  hashKey: Buffer,
): Buffer | undefined {
  const prefix = mode === "jsonb-binary" ? 1 : 0;
  let detected = maskDetected(value.toString("utf8", prefix), detectors, hashKey);
  if (detected === null) return undefined;
  // A placeholder over an unquoted JSON value (a card stored as a number) breaks the document:
  // then the whole value becomes the placeholder, as a JSON string.
  if (mode !== "text" && !isValidJson(detected)) detected = JSON.stringify(REDACTED_TEXT);
  return prefix
    ? Buffer.concat([value.subarray(0, 1), Buffer.from(detected, "utf8")])
    : Buffer.from(detected, "utf8");
}

function isValidJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
