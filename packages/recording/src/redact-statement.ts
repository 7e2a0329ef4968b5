import { type DetectorRule, maskDetected } from "@sluice/masking/content-masker";
import { DETECTOR_NAMES } from "@sluice/masking/detectors";
import { REDACTED_TEXT } from "@sluice/masking/strategies";

/** String literals, with '' escapes (E'' strings' backslash escapes end up inside too). */
const STRING_LITERAL = /'(?:[^']|'')*'/g;
const EVERY_DETECTOR: DetectorRule[] = DETECTOR_NAMES.map((detector) => ({
  name: detector,
  detector,
  strategy: "REDACT",
}));
const NO_KEY = Buffer.alloc(32);

/**
 * The statement text as a recording keeps it. An agent can type a sensitive value into its SQL
 * (`WHERE ssn = '…'`): literals are redacted when the statement reads masked tables, and anything a
 * content detector recognises is redacted always, so no clear value enters a recording this way.
 */
export function redactStatement(sql: string, touchesMaskedTables: boolean): string {
  const literalsRedacted = touchesMaskedTables ? sql.replace(STRING_LITERAL, `'${REDACTED_TEXT}'`) : sql;
  return maskDetected(literalsRedacted, EVERY_DETECTOR, NO_KEY) ?? literalsRedacted;
}
