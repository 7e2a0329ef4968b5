import { AuthenticationCode, ErrorField, ServerCode } from "./server-codes";
import { Writer } from "./writer";

/**
 * Backend messages the gateway itself produces (the upstream's are relayed as received).
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 * @see https://www.postgresql.org/docs/current/protocol-error-fields.html
 */

export type Severity = "ERROR" | "FATAL" | "PANIC" | "WARNING" | "NOTICE" | "DEBUG" | "INFO" | "LOG";

export type ErrorFields = {
  severity: Severity;
  /** SQLSTATE, five characters. */
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  /** 1-based character index into the statement text. */
  position?: number;
  /** Context: where the error happened, e.g. inside which policy rule. */
  where?: string;
  /** Where in the server's source the error was raised (file, line, routine), as the server reports it. */
  source?: { file: string; line: string; routine: string };
};

export function errorResponse(fields: ErrorFields): Buffer {
  return noticeOrError(ServerCode.ErrorResponse, fields);
}

export function noticeResponse(fields: ErrorFields): Buffer {
  return noticeOrError(ServerCode.NoticeResponse, fields);
}

function noticeOrError(
  type: ServerCode.ErrorResponse | ServerCode.NoticeResponse,
  fields: ErrorFields,
): Buffer {
  const writer = new Writer();
  const field = (code: string, value: string) => writer.byte(code.charCodeAt(0)).cstring(text(value));
  // S is localized, V is not; clients prefer V when present (PostgreSQL 9.6+ sends both).
  field(ErrorField.Severity, fields.severity);
  field(ErrorField.SeverityText, fields.severity);
  field(ErrorField.Code, fields.code);
  field(ErrorField.Message, fields.message);
  if (fields.detail !== undefined) field(ErrorField.Detail, fields.detail);
  if (fields.hint !== undefined) field(ErrorField.Hint, fields.hint);
  if (fields.position !== undefined) field(ErrorField.Position, String(fields.position));
  if (fields.where !== undefined) field(ErrorField.Where, fields.where);
  if (fields.source !== undefined) {
    field(ErrorField.File, fields.source.file);
    field(ErrorField.Line, fields.source.line);
    field(ErrorField.Routine, fields.source.routine);
  }
  return writer.byte(0).build(type);
}

/**
 * Error text may quote what a client sent (a Bind value can hold a NUL); an error about an error
 * would leave the client without one, so a NUL is shown as U+FFFD instead of refused.
 */
function text(value: string): string {
  return value.replaceAll("\0", "\uFFFD");
}

export function authenticationOk(): Buffer {
  return new Writer().int32(AuthenticationCode.Ok).build(ServerCode.Authentication);
}

export function authenticationCleartextPassword(): Buffer {
  return new Writer().int32(AuthenticationCode.CleartextPassword).build(ServerCode.Authentication);
}

/** @param salt the 4 random bytes the client hashes with. */
export function authenticationMD5Password(salt: Buffer): Buffer {
  return new Writer().int32(AuthenticationCode.MD5Password).bytes(salt).build(ServerCode.Authentication);
}

export function authenticationSASL(mechanisms: string[]): Buffer {
  const writer = new Writer().int32(AuthenticationCode.SASL);
  for (const mechanism of mechanisms) writer.cstring(mechanism);
  return writer.byte(0).build(ServerCode.Authentication);
}

export function authenticationSASLContinue(data: string): Buffer {
  return new Writer()
    .int32(AuthenticationCode.SASLContinue)
    .bytes(Buffer.from(data))
    .build(ServerCode.Authentication);
}

export function authenticationSASLFinal(data: string): Buffer {
  return new Writer()
    .int32(AuthenticationCode.SASLFinal)
    .bytes(Buffer.from(data))
    .build(ServerCode.Authentication);
}

export function parameterStatus(name: string, value: string): Buffer {
  return new Writer().cstring(name).cstring(value).build(ServerCode.ParameterStatus);
}

/** @param secretKey 4 bytes in protocol 3.0, up to 256 in 3.2. */
export function backendKeyData(processId: number, secretKey: Buffer): Buffer {
  return new Writer().int32(processId).bytes(secretKey).build(ServerCode.BackendKeyData);
}

/** @param status 'I' idle, 'T' in a transaction, 'E' in a failed transaction. */
export function readyForQuery(status: string): Buffer {
  return new Writer().byte(status.charCodeAt(0)).build(ServerCode.ReadyForQuery);
}

export function emptyQueryResponse(): Buffer {
  return new Writer().build(ServerCode.EmptyQueryResponse);
}

export function commandComplete(tag: string): Buffer {
  return new Writer().cstring(tag).build(ServerCode.CommandComplete);
}

/** The one-byte answer to SSLRequest or GSSENCRequest: not a message, no header. */
export function singleByte(answer: "S" | "N"): Buffer {
  return Buffer.from(answer, "latin1");
}

/** Tells a client asking for a newer minor version or `_pq_` options what this server speaks. */
export function negotiateProtocolVersion(newestMinor: number, unrecognizedOptions: string[]): Buffer {
  const writer = new Writer().int32(newestMinor).int32(unrecognizedOptions.length);
  for (const option of unrecognizedOptions) writer.cstring(option);
  return writer.build(ServerCode.NegotiateProtocolVersion);
}
