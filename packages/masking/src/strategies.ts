import { createHmac } from "node:crypto";

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
const MAX_KEEP_LAST = 8;

/**
 * The masked form of one value, or null for SQL NULL. A placeholder is only written where it is a
 * valid value of the column's type (text types); any other type masks to NULL, which every type accepts.
 */
export function maskValue(
  rule: MaskRule,
  value: Buffer | null,
  typeOid: number,
  hashKey: Buffer,
): Buffer | null {
  if (value === null || rule.strategy === "NULL" || !TEXT_TYPES.has(typeOid)) return null;
  switch (rule.strategy) {
    case "REDACT":
      return REDACTED_BYTES;
    case "PARTIAL": {
      if (isAscii(value)) {
        // One byte per character: mask in place of a copy, no string round trip.
        const keep = Math.min(rule.keepLast ?? 4, MAX_KEEP_LAST, Math.floor(value.length / 2));
        const out = Buffer.allocUnsafe(value.length);
        out.fill(0x2a, 0, value.length - keep);
        value.copy(out, value.length - keep, value.length - keep);
        return out;
      }
      const chars = [...value.toString("utf8")];
      const keep = Math.min(rule.keepLast ?? 4, MAX_KEEP_LAST, Math.floor(chars.length / 2));
      return Buffer.from("*".repeat(chars.length - keep) + chars.slice(chars.length - keep).join(""));
    }
    case "HASH":
      // Deterministic per deployment, so an agent can still join and group on the column.
      return Buffer.from(
        `h_${createHmac("sha256", hashKey).update(value).digest().toString("hex", 0, 8)}`,
        "latin1",
      );
  }
}

function isAscii(value: Buffer): boolean {
  for (let i = 0; i < value.length; i++) if ((value[i] as number) > 0x7f) return false;
  return true;
}
