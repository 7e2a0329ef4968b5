import { type DetectorName, detect } from "./detectors";
import { perArray } from "./per-array";
import { type MaskRule, maskText } from "./strategies";

/** A content rule: a detector and what to write over what it finds. */
export type DetectorRule = MaskRule & { detector: DetectorName };

/**
 * Masks what the detectors find inside one text value (plain text, JSON, an array or a row in
 * text form), leaving the rest byte for byte, so JSON stays JSON. Returns null when nothing matched.
 */
export function maskDetected(text: string, rules: readonly DetectorRule[], hashKey: Buffer): string | null {
  const spans = detect(text, detectorNamesOf(rules));
  if (spans.length === 0) return null;
  let out = "";
  let at = 0;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i] as (typeof spans)[number];
    const masked = maskText(ruleFor(rules, span.detector), text, span.start, span.end, hashKey);
    out += text.slice(at, span.start) + masked;
    at = span.end;
  }
  return out + text.slice(at);
}

/** A session's rules are one array for its life: their detector names are listed once. */
export const detectorNamesOf = perArray((rules: readonly DetectorRule[]) =>
  rules.map((rule) => rule.detector),
);

export function ruleFor(rules: readonly DetectorRule[], detector: DetectorName): MaskRule {
  for (const rule of rules) if (rule.detector === detector) return rule;
  throw new Error(`no rule for detector ${detector}`);
}
