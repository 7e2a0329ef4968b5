import { type DetectorRule, maskDetected } from "@sluice/masking/content-masker";
import { encodeErr, isErrPacket, parseErr } from "@sluice/mysql-wire/responses";
import type { MaskingScope } from "./masking-scope";

/**
 * An upstream ERR packet as the client may see it. Error text can quote values (a duplicate key's
 * value): while the statement reads masked columns, the server's message is withheld and only its
 * code and SQLSTATE go through; otherwise the content detectors mask what they recognise in it, as
 * in a row, so an SSN in a free-text column does not come back through a constraint's message.
 */
export function withheldErrorText(
  payload: Buffer,
  scope: MaskingScope,
  detectors: readonly DetectorRule[],
  hashKey: Buffer,
): Buffer {
  if (!isErrPacket(payload)) return payload;
  const error = parseErr(payload);
  if (!scope.readsMasked) {
    const masked = maskDetected(error.message, detectors, hashKey);
    return masked === null ? payload : encodeErr({ ...error, message: masked });
  }
  return encodeErr({
    ...error,
    message: `error ${error.code} (its text is withheld by Sluice: the statement reads masked columns)`,
  });
}
