import type { Frame } from "./frame-buffer";
import { printable } from "./frame-buffer";
import { CANCEL_REQUEST_CODE, GSSENC_REQUEST_CODE, MAX_CANCEL_KEY_BYTES, SSL_REQUEST_CODE } from "./limits";
import { Reader } from "./reader";
import { WireError } from "./wire-error";

/**
 * Frontend (client → server) messages.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
export enum ClientCode {
  Bind = 0x42, // B
  Close = 0x43, // C
  Describe = 0x44, // D
  Execute = 0x45, // E
  FunctionCall = 0x46, // F
  Flush = 0x48, // H
  Parse = 0x50, // P
  Query = 0x51, // Q
  Sync = 0x53, // S
  Terminate = 0x58, // X
  CopyDone = 0x63, // c
  CopyData = 0x64, // d
  CopyFail = 0x66, // f
  /** PasswordMessage, SASLInitialResponse and SASLResponse: the meaning depends on the auth state. */
  AuthResponse = 0x70, // p
}

const CLIENT_CODES = new Set<number>([
  ClientCode.Bind,
  ClientCode.Close,
  ClientCode.Describe,
  ClientCode.Execute,
  ClientCode.FunctionCall,
  ClientCode.Flush,
  ClientCode.Parse,
  ClientCode.Query,
  ClientCode.Sync,
  ClientCode.Terminate,
  ClientCode.CopyDone,
  ClientCode.CopyData,
  ClientCode.CopyFail,
  ClientCode.AuthResponse,
]);

/** For the framing buffer: is this a frontend message type at all? */
export function isClientMessageType(type: number): boolean {
  return CLIENT_CODES.has(type);
}

export type ClientMessage =
  | { name: "startup"; protocolVersion: number; params: Record<string, string> }
  | { name: "sslRequest" }
  | { name: "gssencRequest" }
  | { name: "cancelRequest"; processId: number; secretKey: Buffer }
  | { name: "query"; sql: string }
  | { name: "parse"; statement: string; sql: string; paramTypes: number[] }
  | {
      name: "bind";
      portal: string;
      statement: string;
      paramFormats: number[];
      params: (Buffer | null)[];
      resultFormats: number[];
    }
  | { name: "describe"; target: "S" | "P"; targetName: string }
  | { name: "execute"; portal: string; maxRows: number }
  | { name: "close"; target: "S" | "P"; targetName: string }
  | { name: "sync" }
  | { name: "flush" }
  | { name: "terminate" }
  | { name: "copyData"; data: Buffer }
  | { name: "copyDone" }
  | { name: "copyFail"; message: string }
  | { name: "functionCall"; functionOid: number }
  | { name: "authResponse"; body: Buffer };

/** Decodes one frame; throws WireError (08P01) for anything malformed or unknown. */
export function decodeClientFrame(frame: Frame): ClientMessage {
  return frame.kind === "untagged"
    ? decodeUntagged(frame.code, frame.body)
    : decodeTagged(frame.type, frame.body);
}

function decodeUntagged(code: number, body: Buffer): ClientMessage {
  switch (code) {
    case SSL_REQUEST_CODE:
      new Reader(body, "SSLRequest").end();
      return { name: "sslRequest" };
    case GSSENC_REQUEST_CODE:
      new Reader(body, "GSSENCRequest").end();
      return { name: "gssencRequest" };
    case CANCEL_REQUEST_CODE:
      return parseCancelRequest(new Reader(body, "CancelRequest"));
    default:
      return parseStartup(code, new Reader(body, "StartupMessage"));
  }
}

function decodeTagged(type: number, body: Buffer): ClientMessage {
  switch (type) {
    case ClientCode.Query:
      return parseQuery(new Reader(body, "Query"));
    case ClientCode.Parse:
      return parseParse(new Reader(body, "Parse"));
    case ClientCode.Bind:
      return parseBind(new Reader(body, "Bind"));
    case ClientCode.Describe:
      return { name: "describe", ...parseTarget(new Reader(body, "Describe")) };
    case ClientCode.Execute:
      return parseExecute(new Reader(body, "Execute"));
    case ClientCode.Close:
      return { name: "close", ...parseTarget(new Reader(body, "Close")) };
    case ClientCode.Sync:
      return empty(body, "Sync", { name: "sync" });
    case ClientCode.Flush:
      return empty(body, "Flush", { name: "flush" });
    case ClientCode.Terminate:
      return empty(body, "Terminate", { name: "terminate" });
    case ClientCode.CopyData:
      return { name: "copyData", data: body };
    case ClientCode.CopyDone:
      return empty(body, "CopyDone", { name: "copyDone" });
    case ClientCode.CopyFail: {
      const reader = new Reader(body, "CopyFail");
      const message = reader.cstring();
      reader.end();
      return { name: "copyFail", message };
    }
    case ClientCode.FunctionCall:
      return { name: "functionCall", functionOid: new Reader(body, "FunctionCall").int32() };
    case ClientCode.AuthResponse:
      return { name: "authResponse", body };
    default:
      throw new WireError(`invalid frontend message type '${printable(type)}'`);
  }
}

function parseStartup(protocolVersion: number, reader: Reader): ClientMessage {
  const params: Record<string, string> = {};
  for (;;) {
    const name = reader.cstring();
    if (name === "") break;
    if (Object.hasOwn(params, name)) throw new WireError(`duplicate startup parameter "${name}"`);
    params[name] = reader.cstring();
  }
  reader.end();
  return { name: "startup", protocolVersion, params };
}

function parseCancelRequest(reader: Reader): ClientMessage {
  const processId = reader.int32();
  const secretKey = reader.rest();
  if (secretKey.length < 4 || secretKey.length > MAX_CANCEL_KEY_BYTES)
    throw new WireError("invalid cancel key length");
  return { name: "cancelRequest", processId, secretKey };
}

function parseQuery(reader: Reader): ClientMessage {
  const sql = reader.cstring();
  reader.end();
  return { name: "query", sql };
}

function parseParse(reader: Reader): ClientMessage {
  const statement = reader.cstring();
  const sql = reader.cstring();
  const count = reader.count(4);
  const paramTypes = Array.from({ length: count }, () => reader.int32());
  reader.end();
  return { name: "parse", statement, sql, paramTypes };
}

function parseBind(reader: Reader): ClientMessage {
  const portal = reader.cstring();
  const statement = reader.cstring();
  const paramFormats = Array.from({ length: reader.count(2) }, () => reader.int16());
  const params = Array.from({ length: reader.count(4) }, () => {
    const length = reader.int32();
    if (length === -1) return null;
    if (length < 0) throw new WireError("invalid parameter length in Bind message");
    return reader.bytes(length);
  });
  const resultFormats = Array.from({ length: reader.count(2) }, () => reader.int16());
  reader.end();
  return { name: "bind", portal, statement, paramFormats, params, resultFormats };
}

function parseTarget(reader: Reader): { target: "S" | "P"; targetName: string } {
  const target = String.fromCharCode(reader.byte());
  if (target !== "S" && target !== "P")
    throw new WireError(`invalid target '${target}': expected 'S' or 'P'`);
  const targetName = reader.cstring();
  reader.end();
  return { target, targetName };
}

function parseExecute(reader: Reader): ClientMessage {
  const portal = reader.cstring();
  const maxRows = reader.int32();
  reader.end();
  return { name: "execute", portal, maxRows };
}

function empty(body: Buffer, what: string, message: ClientMessage): ClientMessage {
  new Reader(body, what).end();
  return message;
}

/** The body of a SASLInitialResponse ('p' while SASL has just been offered). */
export function parseSASLInitialResponse(body: Buffer): {
  mechanism: string;
  initialResponse: Buffer | null;
} {
  const reader = new Reader(body, "SASLInitialResponse");
  const mechanism = reader.cstring();
  const length = reader.int32();
  const initialResponse = length === -1 ? null : reader.bytes(length);
  reader.end();
  return { mechanism, initialResponse };
}

/** The body of a SASLResponse ('p' during a SASL exchange): the mechanism's own bytes. */
export function parseSASLResponse(body: Buffer): Buffer {
  return body;
}

/** The body of a PasswordMessage: a NUL-terminated password (or md5 response). */
export function parsePasswordMessage(body: Buffer): string {
  const reader = new Reader(body, "PasswordMessage");
  const password = reader.cstring();
  reader.end();
  return password;
}
