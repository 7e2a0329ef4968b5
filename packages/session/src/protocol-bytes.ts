import { encodeCancelRequest, encodeSslRequest, encodeSync } from "@sluice/wire/client-encoders";
import { errorResponse, noticeResponse } from "@sluice/wire/server-messages";
import type { ClientError } from "./client-error";
import { UnsupportedProtocolError } from "./unsupported-protocol";

export {
  authenticationOk,
  authenticationSASL,
  authenticationSASLContinue,
  authenticationSASLFinal,
  backendKeyData,
  negotiateProtocolVersion,
  readyForQuery,
  singleByte,
} from "@sluice/wire/server-messages";

/** Bytes that never change, built once. */
export const SYNC_BYTES = encodeSync();
export const SSL_REQUEST_BYTES = encodeSslRequest();

export function errorBytes(error: ClientError): Buffer {
  if (error instanceof UnsupportedProtocolError && error.isBeforeProtocol3) return error.toLegacyBytes();
  return errorResponse({
    severity: error.severity,
    code: error.code,
    message: error.message,
    ...(error.hint ? { hint: error.hint } : {}),
    ...(error.detail ? { detail: error.detail } : {}),
    ...(error.position ? { position: error.position } : {}),
    ...(error.source ? { source: error.source } : {}),
  });
}

/** What the agent sees while a statement waits, e.g. for a reviewer. */
export function noticeBytes(message: string, hint?: string): Buffer {
  return noticeResponse({ severity: "NOTICE", code: "00000", message, ...(hint ? { hint } : {}) });
}

export function cancelRequestBytes(processId: number, secretKey: Buffer): Buffer {
  return encodeCancelRequest(processId, secretKey);
}
