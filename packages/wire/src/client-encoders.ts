import { serialize } from "pg-protocol";
import { CANCEL_REQUEST_CODE, PROTOCOL_3_0 } from "./limits";
import { WireError } from "./wire-error";
import { Writer } from "./writer";

/**
 * Frontend messages the gateway sends upstream on its own behalf (statements are relayed raw).
 * pg-protocol's serializer is used where it has the message and writes it as the protocol says.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */

/**
 * Our own, not serialize.startup: that one always speaks 3.0 and appends client_encoding=UTF8 after
 * the given parameters, which would override (PostgreSQL keeps the last) the encoding asked for.
 */
export function encodeStartup(params: Record<string, string>, protocolVersion = PROTOCOL_3_0): Buffer {
  const writer = new Writer().int32(protocolVersion);
  for (const [name, value] of Object.entries(params)) writer.cstring(name).cstring(value);
  return writer.byte(0).build(null);
}

export function encodePasswordMessage(password: string): Buffer {
  return serialize.password(noNul(password, "password"));
}

export function encodeSaslInitialResponse(mechanism: string, initialResponse: string): Buffer {
  return serialize.sendSASLInitialResponseMessage(noNul(mechanism, "SASL mechanism"), initialResponse);
}

export function encodeSaslResponse(data: string): Buffer {
  return serialize.sendSCRAMClientFinalMessage(data);
}

export function encodeSslRequest(): Buffer {
  return serialize.requestSsl();
}

/** Our own, not serialize.cancel: that one takes a 4-byte number, and 3.2 keys run to 256 bytes. */
export function encodeCancelRequest(processId: number, secretKey: Buffer): Buffer {
  return new Writer().int32(CANCEL_REQUEST_CODE).int32(processId).bytes(secretKey).build(null);
}

export function encodeSync(): Buffer {
  return serialize.sync();
}

export function encodeTerminate(): Buffer {
  return serialize.end();
}

/** pg-protocol writes C strings as given; a NUL would silently send a shorter string instead. */
function noNul(value: string, what: string): string {
  if (value.includes("\0")) throw new WireError(`${what} contains a NUL byte`, "22021");
  return value;
}

export function encodeQuery(sql: string): Buffer {
  return serialize.query(noNul(sql, "query"));
}

export function encodeParse(statement: string, sql: string): Buffer {
  return serialize.parse({ name: noNul(statement, "statement name"), text: noNul(sql, "query"), types: [] });
}
