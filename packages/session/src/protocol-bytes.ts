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

/**
 * The source routine of the gateway's own hold notice. Any text a notice carries (message, hint,
 * SQLSTATE) SQL can produce too (RAISE NOTICE … USING ERRCODE, HINT); the routine field only names
 * the server's C function that raised it (RAISE's is exec_stmt_raise), so a client of the gateway's
 * listener (the MCP endpoint) can tell the gateway's hold from an upstream notice that mimics it.
 */
export const HOLD_NOTICE_ROUTINE = "sluice_review_hold";

/** What the agent sees while a statement waits, e.g. for a reviewer. */
export function noticeBytes(message: string, hint?: string): Buffer {
  return noticeResponse({
    severity: "NOTICE",
    code: "00000",
    message,
    ...(hint ? { hint } : {}),
    source: { file: "sluice", line: "0", routine: HOLD_NOTICE_ROUTINE },
  });
}

export function cancelRequestBytes(processId: number, secretKey: Buffer): Buffer {
  return encodeCancelRequest(processId, secretKey);
}
