import type { Frame } from "./frame-buffer";
import { printable } from "./printable";
import { Reader } from "./reader";
import { WireError } from "./wire-error";

/**
 * The server messages the gateway must understand itself during the upstream login, and errors.
 * Everything else the upstream sends is relayed without decoding (or read with server-parser.ts).
 * Not pg-protocol's Parser: it reads BackendKeyData's secret as one Int32 (protocol 3.2 keys run to
 * 256 bytes), reports NegotiateProtocolVersion as an "error", throws on GSS/SSPI requests, and reads
 * an AuthenticationCleartextPassword or MD5Password of the wrong length as AuthenticationOk.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
export type ServerMessage =
  | { name: "authenticationOk" }
  | { name: "authenticationCleartextPassword" }
  | { name: "authenticationMD5Password"; salt: Buffer }
  | { name: "authenticationSASL"; mechanisms: string[] }
  | { name: "authenticationSASLContinue"; data: string }
  | { name: "authenticationSASLFinal"; data: string }
  | { name: "authenticationOther"; code: number }
  | { name: "parameterStatus"; parameterName: string; parameterValue: string }
  | { name: "backendKeyData"; processId: number; secretKey: Buffer }
  | { name: "readyForQuery"; status: string }
  | { name: "error" | "notice"; fields: Record<string, string> }
  | { name: "negotiateProtocolVersion"; newestMinor: number }
  | { name: "other"; type: string };

export function decodeServerFrame(frame: Frame): ServerMessage {
  if (frame.kind !== "tagged") throw new WireError("untagged message from the server");
  // Lenient: error and notice text from the server need not be UTF-8 (before client_encoding applies).
  const reader = new Reader(frame.body, printable(frame.type), false);
  switch (frame.type) {
    case 0x52: // R
      return decodeAuthentication(reader);
    case 0x53: {
      const parameterName = reader.cstring();
      const parameterValue = reader.cstring();
      return { name: "parameterStatus", parameterName, parameterValue };
    }
    case 0x4b: {
      const processId = reader.int32();
      return { name: "backendKeyData", processId, secretKey: Buffer.from(reader.rest()) };
    }
    case 0x5a:
      return { name: "readyForQuery", status: String.fromCharCode(reader.byte()) };
    case 0x45:
      return { name: "error", fields: parseFields(reader) };
    case 0x4e:
      return { name: "notice", fields: parseFields(reader) };
    case 0x76:
      return { name: "negotiateProtocolVersion", newestMinor: reader.int32() };
    default:
      return { name: "other", type: printable(frame.type) };
  }
}

function decodeAuthentication(reader: Reader): ServerMessage {
  const code = reader.int32();
  switch (code) {
    case 0:
      return { name: "authenticationOk" };
    case 3:
      return { name: "authenticationCleartextPassword" };
    case 5:
      return { name: "authenticationMD5Password", salt: Buffer.from(reader.bytes(4)) };
    case 10: {
      const mechanisms: string[] = [];
      for (let mechanism = reader.cstring(); mechanism !== ""; mechanism = reader.cstring())
        mechanisms.push(mechanism);
      return { name: "authenticationSASL", mechanisms };
    }
    case 11:
      return { name: "authenticationSASLContinue", data: reader.rest().toString("utf8") };
    case 12:
      return { name: "authenticationSASLFinal", data: reader.rest().toString("utf8") };
    default:
      return { name: "authenticationOther", code };
  }
}

/** ErrorResponse/NoticeResponse fields by their one-letter codes (S, V, C, M, D, H, ...). */
export function parseFields(reader: Reader): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let code = reader.byte(); code !== 0; code = reader.byte()) {
    fields[String.fromCharCode(code)] = reader.cstring();
  }
  return fields;
}
