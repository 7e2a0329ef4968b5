import { OutputBuffer } from "@sluice/wire/output-buffer";
import { ServerCode } from "@sluice/wire/server-codes";
import { WireError } from "@sluice/wire/wire-error";
import { type DetectorRule, maskDetected } from "./content-masker";
import { hashBatch } from "./hash-batch";
import type { FieldInfo } from "./row-description";
import {
  columnForm,
  HASH_PLACEHOLDER_LENGTH,
  hasherFor,
  isAscii,
  MASKED_HASH,
  MASKED_NULL,
  MASKED_PARTIAL_ASCII,
  type MaskedForm,
  type MaskRule,
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

/** What pass one decided for a value: keep its bytes, or one of the masked forms (see strategies). */
const KEEP = -1;
const WRITE_BYTES = 5;
/** What a column's content rules do: scan each value (a per-value decision, like KEEP otherwise). */
const SCAN = -2;

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
 * Each column's form under a plan (KEEP, SCAN or the MaskedForm of its rule), decided once per
 * plan instead of once per value; rows come in runs of one plan, so the last one is kept.
 * A column past the plan's description (a row wider than its RowDescription) has no rule to
 * prove it clean: it is masked like an unprovable one, to NULL.
 */
let formsPlan: MaskPlan | null = null;
let planForms = new Int8Array(0);

function columnFormsOf(plan: MaskPlan): Int8Array {
  if (plan === formsPlan) return planForms;
  planForms = Int8Array.from(plan.rules, (rule, i) => {
    if (rule) return columnForm(rule, plan.fields[i]?.typeOid ?? 0);
    return plan.scan[i] ? SCAN : KEEP;
  });
  formsPlan = plan;
  return planForms;
}

/** A DataRow whose lengths do not add up is the upstream's fault, and not one to relay. */
function malformed(why: string): WireError {
  return new WireError(`malformed DataRow from the server: ${why}`);
}

/**
 * Rewrites one DataRow message ('D', header included) at `raw[rowStart..]` under a plan into
 * `out`; values not masked are copied byte for byte, masked ones are written in place (no
 * per-value buffers). With no plan (rows whose description the gateway never saw) every column is
 * masked. The row's declared length must be exactly what its columns take.
 * @throws WireError for a row whose column lengths do not match its length.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-DATAROW
 */
export function maskDataRowInto(
  raw: Buffer,
  plan: MaskPlan | null,
  hashKey: Buffer,
  out: OutputBuffer,
  rowStart = 0,
): void {
  if (raw.length - rowStart < 7) throw malformed("shorter than its header");
  const rowEnd = rowStart + 1 + readInt32(raw, rowStart + 1);
  if (rowEnd > raw.length || rowEnd < rowStart + 7) throw malformed("its length is out of range");
  const count = (raw[rowStart + 5] as number) * 256 + (raw[rowStart + 6] as number);
  ensureScratch(count);
  const forms = plan ? columnFormsOf(plan) : null;
  const known = forms ? forms.length : 0;
  // First pass: what becomes of each column, and the row's new size (type byte, length, count, columns).
  let size = 7;
  let offset = rowStart + 7;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > rowEnd) throw malformed(`column ${i + 1} starts past its end`);
    const length = readInt32(raw, offset);
    const start = offset + 4;
    if (length < -1 || start + length > rowEnd) throw malformed(`column ${i + 1} has length ${length}`);
    starts[i] = start;
    lengths[i] = length;
    offset = length < 0 ? start : start + length;
    let action = i < known ? ((forms as Int8Array)[i] as number) : MASKED_NULL;
    let bytes = 0;
    if (length < 0) {
      // SQL NULL stays NULL under every form.
      action = action === KEEP || action === SCAN ? KEEP : MASKED_NULL;
    } else if (action === SCAN) {
      const scanned = maskDetectedValue(
        raw.subarray(start, start + length),
        (plan as MaskPlan).scan[i] as Exclude<ScanMode, null>,
        (plan as MaskPlan).detectors,
        hashKey,
      );
      action = KEEP;
      if (scanned !== undefined) {
        computed[i] = scanned;
        action = WRITE_BYTES;
        bytes = scanned.length;
      }
    } else if (action === MASKED_PARTIAL_ASCII && !isAscii(raw, start, start + length)) {
      const rule = (plan as MaskPlan).rules[i] as MaskRule;
      const value = maskValue(
        rule,
        raw.subarray(start, start + length),
        plan?.fields[i]?.typeOid ?? 0,
        hashKey,
      );
      computed[i] = value;
      action = value ? WRITE_BYTES : MASKED_NULL;
      bytes = value?.length ?? 0;
    } else if (action !== KEEP) {
      bytes = maskedLength(action as MaskedForm, length);
    }
    if (action === KEEP) bytes = Math.max(length, 0);
    actions[i] = action;
    size += 4 + bytes;
  }
  if (offset !== rowEnd) throw malformed("its columns do not fill its length");
  // Second pass: kept columns copied byte for byte, masked ones written where they go.
  let at = out.reserve(size);
  const target = out.bytes;
  target[at] = ServerCode.DataRow;
  writeInt32(target, at + 1, size - 1);
  target[at + 5] = count >>> 8;
  target[at + 6] = count & 0xff;
  at += 7;
  for (let i = 0; i < count; i++) {
    const action = actions[i] as number;
    const start = starts[i] as number;
    const length = lengths[i] as number;
    if (action === KEEP) {
      // Kept neighbours are contiguous in the original row: one copy for the run.
      let end = length < 0 ? start : start + length;
      while (i + 1 < count && actions[i + 1] === KEEP) {
        i += 1;
        const next = lengths[i] as number;
        end = (starts[i] as number) + Math.max(next, 0);
      }
      at = copyBytes(raw, start - 4, end, target, at);
    } else if (action === MASKED_NULL) {
      at = writeInt32(target, at, -1);
    } else if (action === MASKED_HASH) {
      // `h_`, then the MAC's digits, owed to `out` and written for the whole read in one call.
      at = writeInt32(target, at, HASH_PLACEHOLDER_LENGTH);
      target[at] = 0x68; // h
      target[at + 1] = 0x5f; // _
      hashBatch.add(hasherFor(hashKey), raw, start, start + length, out, at + 2);
      at += HASH_PLACEHOLDER_LENGTH;
    } else if (action === WRITE_BYTES) {
      const value = computed[i] as Buffer;
      computed[i] = null;
      at = writeInt32(target, at, value.length);
      at = copyBytes(value, 0, value.length, target, at);
    } else {
      const lengthAt = at;
      at = writeMasked(
        action as MaskedForm,
        (plan as MaskPlan).rules[i] as MaskRule,
        raw,
        start,
        length,
        hashKey,
        target,
        at + 4,
      );
      writeInt32(target, lengthAt, at - lengthAt - 4);
    }
  }
}

/** Big-endian, without Buffer's per-call argument checks: offsets here are checked by the caller. */
function readInt32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) << 24) |
    ((bytes[at + 1] as number) << 16) |
    ((bytes[at + 2] as number) << 8) |
    (bytes[at + 3] as number)
  );
}

function writeInt32(bytes: Uint8Array, at: number, value: number): number {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
  return at + 4;
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
