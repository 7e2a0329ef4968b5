import type { DetectorRule } from "@sluice/masking/content-masker";
import { DETECTOR_NAMES, type DetectorName } from "@sluice/masking/detectors";
import { type MaskRule, maskText, REDACTED_TEXT } from "@sluice/masking/strategies";
import { parseSelector } from "./json-path";
import { type PointerToken, pointerMatches } from "./json-pointer";
import type { HttpMaskingRule } from "./rules";

/** A connection's masking rules for one agent, ready for the response maskers. */
export type ResponseMasking = {
  pointers: ReadonlyArray<{ tokens: PointerToken[]; rule: MaskRule }>;
  detectors: readonly DetectorRule[];
  hashKey: Buffer;
};

/** The rules that apply to an agent (minus those its groups are exempt from), compiled once per policy. */
export function compileMasking(
  rules: readonly HttpMaskingRule[],
  groups: readonly string[],
  hashKey: Buffer,
): ResponseMasking {
  const applying = rules.filter((rule) => !rule.exemptGroups.some((group) => groups.includes(group)));
  const toMaskRule = (rule: HttpMaskingRule): MaskRule => ({
    name: rule.name,
    strategy: rule.strategy,
    ...(rule.keepLast !== null ? { keepLast: rule.keepLast } : {}),
  });
  return {
    pointers: applying
      .filter((rule) => rule.pointer !== null)
      .map((rule) => ({ tokens: parseSelector(rule.pointer as string), rule: toMaskRule(rule) })),
    detectors: applying
      .filter((rule) => rule.detector !== null)
      .map((rule) => {
        if (!(DETECTOR_NAMES as string[]).includes(rule.detector as string) && rule.detector !== "ipv6")
          throw new Error(`masking rule "${rule.name}": unknown detector ${rule.detector}`);
        return { ...toMaskRule(rule), detector: rule.detector as DetectorName };
      }),
    hashKey,
  };
}

export function hasMasking(masking: ResponseMasking): boolean {
  return masking.pointers.length > 0 || masking.detectors.length > 0;
}

/** The pointer rule naming this location, if any (the first one wins, as rules are ordered). */
export function pointerRuleAt(
  masking: ResponseMasking,
  location: readonly (string | number)[],
): MaskRule | null {
  for (const pointer of masking.pointers) if (pointerMatches(pointer.tokens, location)) return pointer.rule;
  return null;
}

const REDACTED_JSON = JSON.stringify(REDACTED_TEXT);

/** A whole JSON value's replacement under a pointer rule: NULL is `null`, the others a string. */
export function maskedJsonValue(rule: MaskRule, text: string, hashKey: Buffer): string {
  if (rule.strategy === "NULL") return "null";
  // Every redaction is the same text, whatever the value: it is not read.
  if (rule.strategy === "REDACT") return REDACTED_JSON;
  return JSON.stringify(maskText(rule, text, 0, text.length, hashKey));
}
