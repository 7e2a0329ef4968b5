import { Writer } from "./writer";

/**
 * Backend messages the gateway itself produces (the upstream's are relayed as received).
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */

export type Severity = "ERROR" | "FATAL" | "PANIC" | "WARNING" | "NOTICE" | "DEBUG" | "INFO" | "LOG";

export type ErrorFields = {
  severity: Severity;
  code: string;
  message: string;
  detail?: string;
  hint?: string;
};

export function errorResponse(fields: ErrorFields): Buffer {
  return noticeOrError("E", fields);
}

export function noticeResponse(fields: ErrorFields): Buffer {
  return noticeOrError("N", fields);
}

function noticeOrError(type: "E" | "N", fields: ErrorFields): Buffer {
  const writer = new Writer();
  // S is localized, V is not; clients prefer V when present (PostgreSQL 9.6+ sends both).
  writer.byte(0x53).cstring(fields.severity).byte(0x56).cstring(fields.severity);
  writer.byte(0x43).cstring(fields.code).byte(0x4d).cstring(fields.message);
  if (fields.detail) writer.byte(0x44).cstring(fields.detail);
  if (fields.hint) writer.byte(0x48).cstring(fields.hint);
  return writer.byte(0).build(type);
}

export function authenticationOk(): Buffer {
  return new Writer().int32(0).build("R");
}

export function authenticationCleartextPassword(): Buffer {
  return new Writer().int32(3).build("R");
}

export function authenticationMD5Password(salt: Buffer): Buffer {
  return new Writer().int32(5).bytes(salt).build("R");
}

export function authenticationSASL(mechanisms: string[]): Buffer {
  const writer = new Writer().int32(10);
  for (const mechanism of mechanisms) writer.cstring(mechanism);
  return writer.byte(0).build("R");
}

export function authenticationSASLContinue(data: string): Buffer {
  return new Writer().int32(11).bytes(Buffer.from(data)).build("R");
}

export function authenticationSASLFinal(data: string): Buffer {
  return new Writer().int32(12).bytes(Buffer.from(data)).build("R");
}

export function parameterStatus(name: string, value: string): Buffer {
  return new Writer().cstring(name).cstring(value).build("S");
}

export function backendKeyData(processId: number, secretKey: Buffer): Buffer {
  return new Writer().int32(processId).bytes(secretKey).build("K");
}

export function readyForQuery(status: string): Buffer {
  return new Writer().byte(status.charCodeAt(0)).build("Z");
}

export function emptyQueryResponse(): Buffer {
  return new Writer().build("I");
}

export function commandComplete(tag: string): Buffer {
  return new Writer().cstring(tag).build("C");
}

/** The one-byte answer to SSLRequest or GSSENCRequest. */
export function singleByte(answer: "S" | "N"): Buffer {
  return Buffer.from(answer, "latin1");
}

/** Tells a client asking for a newer minor version or `_pq_` options what this server speaks. */
export function negotiateProtocolVersion(newestMinor: number, unrecognizedOptions: string[]): Buffer {
  const writer = new Writer().int32(newestMinor).int32(unrecognizedOptions.length);
  for (const option of unrecognizedOptions) writer.cstring(option);
  return writer.build("v");
}
