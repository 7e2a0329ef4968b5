import { serialize } from "pg-protocol";
import { CANCEL_REQUEST_CODE, PROTOCOL_3_0, SSL_REQUEST_CODE } from "./limits";
import { Writer } from "./writer";

/**
 * Frontend messages the gateway sends upstream on its own behalf (statements are relayed raw).
 * pg-protocol's serializer is used where it has the message.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */

export function encodeStartup(params: Record<string, string>): Buffer {
  const writer = new Writer().int32(PROTOCOL_3_0);
  for (const [name, value] of Object.entries(params)) writer.cstring(name).cstring(value);
  return writer.byte(0).build(null);
}

export function encodePasswordMessage(password: string): Buffer {
  return serialize.password(password);
}

export function encodeSaslInitialResponse(mechanism: string, initialResponse: string): Buffer {
  return serialize.sendSASLInitialResponseMessage(mechanism, initialResponse);
}

export function encodeSaslResponse(data: string): Buffer {
  return serialize.sendSCRAMClientFinalMessage(data);
}

export function encodeSslRequest(): Buffer {
  return new Writer().int32(SSL_REQUEST_CODE).build(null);
}

export function encodeCancelRequest(processId: number, secretKey: Buffer): Buffer {
  return new Writer().int32(CANCEL_REQUEST_CODE).int32(processId).bytes(secretKey).build(null);
}

export function encodeSync(): Buffer {
  return serialize.sync();
}

export function encodeTerminate(): Buffer {
  return serialize.end();
}
