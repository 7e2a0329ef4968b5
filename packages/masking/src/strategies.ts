import { createKeyedHasher, type Hasher } from "./keyed-hash";

export type MaskStrategy = "REDACT" | "PARTIAL" | "HASH" | "NULL";

export type MaskRule = {
  name: string;
  strategy: MaskStrategy;
  /** PARTIAL: trailing characters left visible. */
  keepLast?: number;
};

/** Type OIDs whose text and binary forms are both plain UTF-8, so a placeholder string is valid. */
const TEXT_TYPES = new Set([25, 1043, 1042, 19, 18]);
export const REDACTED_TEXT = "[REDACTED]";
/** Shared, never written to: every redaction is the same bytes. */
const REDACTED_BYTES = Buffer.from(REDACTED_TEXT);
/** PARTIAL never reveals more than this many characters, whatever a rule says. */
export const MAX_KEEP_LAST = 8;

/**
 * How a rule's output is produced. Most strategies are written straight into the outgoing row
 * (their size is known from the value's length alone); a partial mask of non-ASCII text must be
 * computed first, because it counts characters, not bytes.
 */
export const MASKED_NULL = 0;
export const MASKED_REDACT = 1;
export const MASKED_HASH = 2;
export const MASKED_PARTIAL_ASCII = 3;
export const MASKED_COMPUTED = 4;
export type MaskedForm =
  | typeof MASKED_NULL
  | typeof MASKED_REDACT
  | typeof MASKED_HASH
  | typeof MASKED_PARTIAL_ASCII
  | typeof MASKED_COMPUTED;

/** Length of the `h_…` placeholder of the keyed hash. */
export const HASH_PLACEHOLDER_LENGTH = 2 + 2 * 8;

/**
 * The form every non-NULL value of a column takes under a rule, decided once per column: a
 * placeholder is only written where it is a valid value of the column's type (text types); any
 * other type masks to NULL, which every type accepts. MASKED_PARTIAL_ASCII still depends on the
 * value: one that is not ASCII becomes MASKED_COMPUTED (see maskedForm).
 */
export function columnForm(rule: MaskRule, typeOid: number): MaskedForm {
  if (rule.strategy === "NULL" || !TEXT_TYPES.has(typeOid)) return MASKED_NULL;
  switch (rule.strategy) {
    case "REDACT":
      return MASKED_REDACT;
    case "HASH":
      return MASKED_HASH;
    case "PARTIAL":
      return MASKED_PARTIAL_ASCII;
  }
}

/** The form a value takes under a rule, from `bytes[start..start+length]` (length -1: SQL NULL). */
export function maskedForm(
  rule: MaskRule,
  typeOid: number,
  bytes: Uint8Array,
  start: number,
  length: number,
): MaskedForm {
  if (length < 0) return MASKED_NULL;
  const form = columnForm(rule, typeOid);
  return form === MASKED_PARTIAL_ASCII && !isAscii(bytes, start, start + length) ? MASKED_COMPUTED : form;
}

/** Bytes a form occupies (not for MASKED_COMPUTED, whose bytes exist already). */
export function maskedLength(form: MaskedForm, length: number): number {
  switch (form) {
    case MASKED_REDACT:
      return REDACTED_BYTES.length;
    case MASKED_HASH:
      return HASH_PLACEHOLDER_LENGTH;
    case MASKED_PARTIAL_ASCII:
      return length;
    default:
      return 0;
  }
}

/** Writes an inline form of `bytes[start..start+length]` at `out[at..]`; returns the end offset. */
export function writeMasked(
  form: MaskedForm,
  rule: MaskRule,
  bytes: Uint8Array,
  start: number,
  length: number,
  hashKey: Buffer,
  out: Buffer,
  at: number,
): number {
  switch (form) {
    case MASKED_REDACT:
      // Ten bytes: a loop costs less than Buffer.copy's call into C++.
      for (let i = 0; i < REDACTED_BYTES.length; i++) out[at + i] = REDACTED_BYTES[i] as number;
      return at + REDACTED_BYTES.length;
    case MASKED_HASH:
      // Deterministic per deployment, so an agent can still join and group on the column.
      return writeHashPlaceholder(hasherFor(hashKey), bytes, start, start + length, out, at);
    case MASKED_PARTIAL_ASCII: {
      // One byte per character: stars, then the last characters copied.
      const keep = Math.min(rule.keepLast ?? 4, MAX_KEEP_LAST, Math.floor(length / 2));
      for (let i = 0; i < length - keep; i++) out[at + i] = 0x2a;
      for (let i = length - keep; i < length; i++) out[at + i] = bytes[start + i] as number;
      return at + length;
    }
    default:
      return at;
  }
}

/** The masked form of one value as its own buffer, or null for SQL NULL. */
export function maskValue(
  rule: MaskRule,
  value: Buffer | null,
  typeOid: number,
  hashKey: Buffer,
): Buffer | null {
  const bytes = value ?? EMPTY;
  const length = value ? value.length : -1;
  const form = maskedForm(rule, typeOid, bytes, 0, length);
  if (form === MASKED_NULL) return null;
  if (form === MASKED_REDACT) return REDACTED_BYTES;
  if (form === MASKED_COMPUTED) return Buffer.from(partialText(bytes.toString("utf8"), rule.keepLast));
  const out = Buffer.allocUnsafe(maskedLength(form, length));
  writeMasked(form, rule, bytes, 0, length, hashKey, out, 0);
  return out;
}

/**
 * The masked form of `text[start..end]`, a span a content detector found, as text. A NULL strategy cannot blank
 * part of a value, so a span under it is redacted.
 */
export function maskText(rule: MaskRule, text: string, start: number, end: number, hashKey: Buffer): string {
  switch (rule.strategy) {
    case "NULL":
    case "REDACT":
      // The value is not read: no copy of it is made.
      return REDACTED_TEXT;
    case "PARTIAL":
      return partialText(text.slice(start, end), rule.keepLast);
    case "HASH": {
      const value = Buffer.from(text.slice(start, end), "utf8");
      const out = Buffer.allocUnsafe(HASH_PLACEHOLDER_LENGTH);
      writeMasked(MASKED_HASH, rule, value, 0, value.length, hashKey, out, 0);
      return out.toString("latin1");
    }
  }
}

/** PARTIAL over characters, not bytes (multi-byte UTF-8). */
function partialText(text: string, keepLast: number | undefined): string {
  if (!hasSurrogates(text)) {
    // One UTF-16 unit per character, as in most values: no array of characters to make.
    const keep = Math.min(keepLast ?? 4, MAX_KEEP_LAST, Math.floor(text.length / 2));
    return "*".repeat(text.length - keep) + text.slice(text.length - keep);
  }
  const chars = [...text];
  const keep = Math.min(keepLast ?? 4, MAX_KEEP_LAST, Math.floor(chars.length / 2));
  return "*".repeat(chars.length - keep) + chars.slice(chars.length - keep).join("");
}

function hasSurrogates(text: string): boolean {
  for (let i = 0; i < text.length; i++) if ((text.charCodeAt(i) & 0xf800) === 0xd800) return true;
  return false;
}

export function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((bytes[i] as number) > 0x7f) return false;
  return true;
}

const EMPTY = Buffer.alloc(0);

/** Keys live for a deployment (or a session); their hashers, with the pads precomputed, as long. */
const hashers = new WeakMap<Buffer, Hasher>();
/** The last key asked for: rows of a result all use the same one, and skip the map. */
let lastKey: Buffer | null = null;
let lastHasher: Hasher | null = null;

/** Bytes of the MAC the placeholder shows: 64 bits, plenty to join on, little to brute-force from. */
export const HASH_PLACEHOLDER_BYTES = (HASH_PLACEHOLDER_LENGTH - 2) / 2;

export function hasherFor(key: Buffer): Hasher {
  if (key === lastKey && lastHasher) return lastHasher;
  let hasher = hashers.get(key);
  if (!hasher) {
    hasher = createKeyedHasher(key, HASH_PLACEHOLDER_BYTES);
    hashers.set(key, hasher);
  }
  lastKey = key;
  lastHasher = hasher;
  return hasher;
}

/** `h_` and the MAC's first bytes of `bytes[start..end]` in hex, at `out[at..]`; returns the end offset. */
function writeHashPlaceholder(
  hasher: Hasher,
  bytes: Uint8Array,
  start: number,
  end: number,
  out: Buffer,
  at: number,
): number {
  out[at] = 0x68; // h
  out[at + 1] = 0x5f; // _
  hasher.writeHex(bytes, start, end, out, at + 2);
  return at + HASH_PLACEHOLDER_LENGTH;
}
