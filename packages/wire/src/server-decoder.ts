import type { Frame } from "./frame-buffer";
import { printable } from "./printable";
import { Reader } from "./reader";
import { AuthenticationCode, ServerCode } from "./server-codes";
import { WireError } from "./wire-error";

/**
 * The server messages the gateway must understand itself during the upstream login, and errors.
 * Everything else the upstream sends is relayed without decoding.
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
    case ServerCode.Authentication:
      return decodeAuthentication(reader);
    case ServerCode.ParameterStatus: {
      const parameterName = reader.cstring();
      const parameterValue = reader.cstring();
      return { name: "parameterStatus", parameterName, parameterValue };
    }
    case ServerCode.BackendKeyData: {
      const processId = reader.int32();
      return { name: "backendKeyData", processId, secretKey: Buffer.from(reader.rest()) };
    }
    case ServerCode.ReadyForQuery:
      return { name: "readyForQuery", status: String.fromCharCode(reader.byte()) };
    case ServerCode.ErrorResponse:
      return { name: "error", fields: parseFields(reader) };
    case ServerCode.NoticeResponse:
      return { name: "notice", fields: parseFields(reader) };
    case ServerCode.NegotiateProtocolVersion:
      return { name: "negotiateProtocolVersion", newestMinor: reader.int32() };
    default:
      return { name: "other", type: printable(frame.type) };
  }
}

function decodeAuthentication(reader: Reader): ServerMessage {
  const code = reader.int32();
  switch (code) {
    case AuthenticationCode.Ok:
      return { name: "authenticationOk" };
    case AuthenticationCode.CleartextPassword:
      return { name: "authenticationCleartextPassword" };
    case AuthenticationCode.MD5Password:
      return { name: "authenticationMD5Password", salt: Buffer.from(reader.bytes(4)) };
    case AuthenticationCode.SASL: {
      const mechanisms: string[] = [];
      for (let mechanism = reader.cstring(); mechanism !== ""; mechanism = reader.cstring())
        mechanisms.push(mechanism);
      return { name: "authenticationSASL", mechanisms };
    }
    case AuthenticationCode.SASLContinue:
      return { name: "authenticationSASLContinue", data: reader.rest().toString("utf8") };
    case AuthenticationCode.SASLFinal:
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
