// Masked values written as bytes, for ASCII values whose bytes are their text (the JSON masker's
// escape-free strings, numbers): what maskText/maskDetected would return, without making strings.
import { type DetectorRule, ruleFor } from "./content-masker";
import type { Detection } from "./detectors";
import {
  HASH_PLACEHOLDER_LENGTH,
  MASKED_HASH,
  MASKED_PARTIAL_ASCII,
  type MaskedForm,
  type MaskRule,
  REDACTED_TEXT,
  writeMasked,
} from "./strategies";

const REDACTED_BYTES = Buffer.from(REDACTED_TEXT, "latin1");

/**
 * The bytes `maskText(rule, text, 0, text.length)` would make of the ASCII text `bytes[start..end)`
 * can be written by `writeAsciiMasked` (HASH, and PARTIAL, which on ASCII counts bytes as the text's
 * characters); REDACT and NULL need no bytes of the value at all.
 */
export function hasAsciiMaskedForm(rule: MaskRule): boolean {
  return rule.strategy === "HASH" || rule.strategy === "PARTIAL";
}

/** The most bytes one replaced span takes (a PARTIAL span takes no more than it had). */
export const MAX_REPLACEMENT_BYTES = Math.max(HASH_PLACEHOLDER_LENGTH, REDACTED_BYTES.length);

/**
 * Writes what maskText makes of the whole ASCII value `bytes[start..end)` at `out[at..]`; returns
 * the end offset. The keyed hash reads the bytes as they are: for ASCII they are the text's UTF-8.
 */
export function writeAsciiMasked(
  rule: MaskRule,
  bytes: Uint8Array,
  start: number,
  end: number,
  hashKey: Buffer,
  out: Buffer,
  at: number,
): number {
  if (rule.strategy === "REDACT" || rule.strategy === "NULL") return at + REDACTED_BYTES.copy(out, at);
  const form: MaskedForm = rule.strategy === "HASH" ? MASKED_HASH : MASKED_PARTIAL_ASCII;
  return writeMasked(form, rule, bytes, start, end - start, hashKey, out, at);
}

/**
 * maskDetected's result for an ASCII value `bytes[start..start+length)` (one byte per character),
 * given the detectors' spans in it (`detect` on its text): each span replaced as maskText would,
 * the rest copied. Writes at `out[at..]`, which must have room for `length` plus
 * MAX_REPLACEMENT_BYTES per span; returns the end offset.
 */
export function writeAsciiSpansMasked(
  spans: readonly Detection[],
  rules: readonly DetectorRule[],
  bytes: Uint8Array,
  start: number,
  length: number,
  hashKey: Buffer,
  out: Buffer,
  at: number,
): number {
  let written = at;
  let copied = 0;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i] as Detection;
    for (let j = copied; j < span.start; j++) out[written++] = bytes[start + j] as number;
    const rule = ruleFor(rules, span.detector);
    written = writeAsciiMasked(rule, bytes, start + span.start, start + span.end, hashKey, out, written);
    copied = span.end;
  }
  for (let j = copied; j < length; j++) out[written++] = bytes[start + j] as number;
  return written;
}
