import { type DetectorName, detect } from "./detectors";
import { type MaskRule, maskValue } from "./strategies";

/** A content rule: a detector and what to write over what it finds. */
export type DetectorRule = MaskRule & { detector: DetectorName };

const TEXT_OID = 25;

/**
 * Masks what the detectors find inside one text value (plain text, JSON, an array or a row in
 * text form), leaving the rest byte for byte, so JSON stays JSON. Returns null when nothing matched.
 * A NULL strategy cannot blank part of a value; it masks the span as a redaction.
 */
export function maskDetected(text: string, rules: readonly DetectorRule[], hashKey: Buffer): string | null {
  const spans = detect(
    text,
    rules.map((rule) => rule.detector),
  );
  if (spans.length === 0) return null;
  let out = "";
  let at = 0;
  for (const span of spans) {
    const rule = rules.find((candidate) => candidate.detector === span.detector) as DetectorRule;
    const strategy = rule.strategy === "NULL" ? { ...rule, strategy: "REDACT" as const } : rule;
    const masked = maskValue(strategy, Buffer.from(text.slice(span.start, span.end)), TEXT_OID, hashKey);
    out += text.slice(at, span.start) + (masked?.toString("utf8") ?? "");
    at = span.end;
  }
  return out + text.slice(at);
}
