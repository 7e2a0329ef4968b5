import { GateVerdict } from "@sluice/masking/byte-gates";
import { maskDetected } from "@sluice/masking/content-masker";
import type { MaskRule } from "@sluice/masking/strategies";
import { ScalarKind } from "./json-stream-states";
import type { Replacement } from "./masked-scalar-bytes";
import type { MaskingLookups } from "./masking-lookups";
import { maskedJsonValue, type ResponseMasking } from "./value-masking";

/**
 * A scalar's replacement under its location's pointer rule (or none) and the content detectors, or
 * null when it goes as it came. `text` is its text when already decoded; otherwise source[from, to)
 * is its UTF-8 (a string's without the quotes), decoded only if needed. `isAscii`: no byte of the
 * token was above 0x7f.
 */
export function scalarReplacement(
  masking: ResponseMasking,
  lookups: MaskingLookups,
  rule: MaskRule | null,
  source: Buffer,
  from: number,
  to: number,
  kind: ScalarKind,
  isAscii: boolean,
  text: string | null,
): Replacement {
  // An ASCII value whose bytes are its text is masked from its bytes (no string made of it).
  const isAsciiBytes = text === null && (kind !== ScalarKind.String || isAscii);
  // No closure for the text: tsx names every arrow function it creates, a cost per value.
  if (rule) {
    if (isAsciiBytes && lookups.maskedBytes.byRule(rule, source, from, to)) return lookups.maskedBytes;
    return maskedJsonValue(
      rule,
      rule.strategy === "REDACT" ? "" : (text ?? scalarText(source, from, to, kind, isAscii)),
      masking.hashKey,
    );
  }
  if (kind === ScalarKind.Literal || masking.detectors.length === 0) return null;
  const gates = text === null ? lookups.byteGates.verdict(source, from, to) : GateVerdict.Any;
  if (gates === GateVerdict.None) return null;
  const isEmailOnly = gates === GateVerdict.EmailOnly;
  if (isAsciiBytes)
    return lookups.maskedBytes.byDetectors(source, from, to, isEmailOnly) ? lookups.maskedBytes : null;
  const value = text ?? scalarText(source, from, to, kind, isAscii);
  const masked = maskDetected(value, masking.detectors, masking.hashKey);
  return masked === null ? null : JSON.stringify(masked);
}

/** The text of an escape-free scalar whose UTF-8 (checked already) is source[from, to). */
function scalarText(source: Buffer, from: number, to: number, kind: ScalarKind, isAscii: boolean): string {
  return kind !== ScalarKind.String || isAscii
    ? source.toString("latin1", from, to)
    : source.toString("utf8", from, to);
}
