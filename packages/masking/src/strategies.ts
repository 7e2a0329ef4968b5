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
  const text = value.toString("utf8");
  switch (rule.strategy) {
    case "REDACT":
      return Buffer.from(REDACTED_TEXT);
    case "PARTIAL": {
      const keep = Math.min(rule.keepLast ?? 4, MAX_KEEP_LAST, Math.floor(text.length / 2));
      const chars = [...text];
      return Buffer.from("*".repeat(chars.length - keep) + chars.slice(chars.length - keep).join(""));
    }
    case "HASH":
      // Deterministic per deployment, so an agent can still join and group on the column.
      return Buffer.from(`h_${createHmac("sha256", hashKey).update(value).digest("hex").slice(0, 16)}`);
  }
}
