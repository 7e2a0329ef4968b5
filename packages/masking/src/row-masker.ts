import { OutputBuffer } from "@sluice/wire/output-buffer";
import { ServerCode } from "@sluice/wire/server-codes";
import { type DetectorRule, maskDetected } from "./content-masker";
import type { FieldInfo } from "./row-description";
import {
  MASKED_COMPUTED,
  MASKED_NULL,
  type MaskedForm,
  type MaskRule,
  maskedForm,
  maskedLength,
  maskValue,
  REDACTED_TEXT,
  writeMasked,
} from "./strategies";

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
export type ScanMode = "text" | "json" | "jsonb-binary" | null;
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
  const scan = planScans(rules, (i) => scanModeOf(fields[i] as FieldInfo), detectors);
  return rules.some((rule) => rule !== null) || scan.some(Boolean)
    ? { fields, rules, scan, detectors }
    : null;
}

/**
 * Which columns the content detectors search, for every protocol's rows (Postgres and MySQL alike):
 * when content rules apply, each column no rule masks whole is searched as its `modeOf` says; one
 * whose value cannot be searched in place is masked whole instead (its rule set in `rules`).
 */
export function planScans(
  rules: (MaskRule | null)[],
  modeOf: (index: number) => ScanMode | "opaque",
  detectors: readonly DetectorRule[],
): ScanMode[] {
  return rules.map((rule, i) => {
    if (detectors.length === 0 || rule !== null) return null;
    const mode = modeOf(i);
    if (mode !== "opaque") return mode;
    // Content rules apply but this value cannot be searched in place: masked whole, fail closed.
    rules[i] = UNPROVABLE_RULE;
    return null;
  });
}

/** What pass one decided for a column: keep its bytes, or one of the masked forms (see strategies). */
const KEEP = -1;
const WRITE_BYTES = 5;

/**
 * Per-column scratch of `maskDataRowInto`, shared: a row is rewritten start to finish without
 * yielding, and a million rows must not mean a million small arrays for the garbage collector.
 */
let actions = new Int8Array(64);
let starts = new Int32Array(64);
let lengths = new Int32Array(64);
const computed: (Buffer | null)[] = [];

function ensureScratch(columns: number): void {
  if (actions.length >= columns) return;
  actions = new Int8Array(columns);
  starts = new Int32Array(columns);
  lengths = new Int32Array(columns);
}

/**
 * Rewrites one DataRow message ('D', header included) under a plan into `out`; values not masked
 * are copied byte for byte, masked ones are written in place (no per-value buffers). With no plan
 * (rows whose description the gateway never saw) every column is masked.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-DATAROW
 */
export function maskDataRowInto(
  raw: Buffer,
  plan: MaskPlan | null,
  hashKey: Buffer,
  out: OutputBuffer,
): void {
  const count = raw.readInt16BE(5);
  ensureScratch(count);
  // First pass: what becomes of each column, and the row's new size (type byte, length, count, columns).
  let size = 7;
  let offset = 7;
  for (let i = 0; i < count; i++) {
    const length = raw.readInt32BE(offset);
    const start = offset + 4;
    starts[i] = start;
    lengths[i] = length;
    offset = start + Math.max(length, 0);
    const rule = plan ? (plan.rules[i] ?? null) : UNPROVABLE_RULE;
    let action: number = KEEP;
    let bytes = 0;
    if (rule) {
      const typeOid = plan?.fields[i]?.typeOid ?? 0;
      action = maskedForm(rule, typeOid, raw, start, length);
      if (action === MASKED_COMPUTED) {
        const value = maskValue(rule, raw.subarray(start, start + length), typeOid, hashKey);
        computed[i] = value;
        action = value ? WRITE_BYTES : MASKED_NULL;
        bytes = value?.length ?? 0;
      } else {
        bytes = maskedLength(action as MaskedForm, length);
      }
    } else if (plan?.scan[i] && length >= 0) {
      const scanned = maskDetectedValue(
        raw.subarray(start, start + length),
        plan.scan[i] as Exclude<ScanMode, null>,
        plan.detectors,
        hashKey,
      );
      if (scanned !== undefined) {
        computed[i] = scanned;
        action = WRITE_BYTES;
        bytes = scanned.length;
      }
    }
    if (action === KEEP) bytes = Math.max(length, 0);
    actions[i] = action;
    size += 4 + bytes;
  }
  // Second pass: kept columns copied byte for byte, masked ones written where they go.
  let at = out.reserve(size);
  const target = out.bytes;
  target[at] = ServerCode.DataRow;
  target.writeInt32BE(size - 1, at + 1);
  target.writeInt16BE(count, at + 5);
  at += 7;
  for (let i = 0; i < count; i++) {
    const action = actions[i] as number;
    const start = starts[i] as number;
    const length = lengths[i] as number;
    if (action === KEEP) {
      // Kept neighbours are contiguous in the original row: one copy for the run.
      let end = start + Math.max(length, 0);
      while (i + 1 < count && actions[i + 1] === KEEP) {
        i += 1;
        end = (starts[i] as number) + Math.max(lengths[i] as number, 0);
      }
      at = copyBytes(raw, start - 4, end, target, at);
    } else if (action === MASKED_NULL) {
      at = target.writeInt32BE(-1, at);
    } else if (action === WRITE_BYTES) {
      const value = computed[i] as Buffer;
      computed[i] = null;
      at = target.writeInt32BE(value.length, at);
      at += value.copy(target, at);
    } else {
      const lengthAt = at;
      at = writeMasked(
        action as MaskedForm,
        plan ? (plan.rules[i] as MaskRule) : UNPROVABLE_RULE,
        raw,
        start,
        length,
        hashKey,
        target,
        at + 4,
      );
      target.writeInt32BE(at - lengthAt - 4, lengthAt);
    }
  }
}

/** Below this, a loop beats `Buffer.copy`'s fixed cost (most column values are short). */
const SHORT_COPY_BYTES = 48;

function copyBytes(from: Buffer, start: number, end: number, to: Buffer, at: number): number {
  if (end - start >= SHORT_COPY_BYTES) return at + from.copy(to, at, start, end);
  for (let i = start; i < end; i++) to[at++] = from[i] as number;
  return at;
}

/** `maskDataRowInto` for one row on its own. */
export function maskDataRow(raw: Buffer, plan: MaskPlan | null, hashKey: Buffer): Buffer {
  const out = new OutputBuffer(raw.length + 64);
  maskDataRowInto(raw, plan, hashKey, out);
  return out.take();
}

/** Masks what content rules find in one value; undefined when nothing matched (the bytes stay). */
export function maskDetectedValue(
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
