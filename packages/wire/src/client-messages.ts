import { ClientCode } from "./client-codes";
import type { Frame } from "./frame-buffer";
import {
  CANCEL_REQUEST_CODE,
  GSSENC_REQUEST_CODE,
  MAX_CANCEL_KEY_BYTES,
  MIN_CANCEL_KEY_BYTES,
  PROTOCOL_3_0,
  SSL_REQUEST_CODE,
  TAGGED_HEADER_BYTES,
} from "./limits";
import type { NameMemo } from "./name-memo";
import { nulAt } from "./nul-scan";
import { printable } from "./printable";
import { Reader } from "./reader";
import { TargetCode } from "./server-codes";
import { assertUtf8Strict } from "./strict-utf8";
import { WireError } from "./wire-error";

export { isClientMessageType } from "./client-codes";
export { NameMemo } from "./name-memo";

/**
 * Frontend (client → server) messages, decoded from frames the FrameBuffer has already cut.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
export type ClientMessage =
  | {
      name: "startup";
      protocolVersion: number;
      params: Record<string, string>;
      /** The same parameters in the order the client sent them. */
      paramPairs: Array<[string, string]>;
    }
  | { name: "sslRequest" }
  | { name: "gssencRequest" }
  | { name: "cancelRequest"; processId: number; secretKey: Buffer }
  | { name: "query"; sql: string }
  | { name: "parse"; statement: string; sql: string; paramTypes: number[] }
  /**
   * Its parameters' values are read from the message itself when they are needed (`bindParams`):
   * most Binds are relayed without anyone reading them, and a view per value was garbage.
   */
  | { name: "bind"; portal: string; statement: string }
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
  /** PasswordMessage, SASLInitialResponse or SASLResponse: see the parse functions below. */
  | { name: "authResponse"; body: Buffer };

/**
 * Decodes one frame; throws WireError (08P01) for anything malformed or unknown.
 * @param names the connection's names sent before (see NameMemo): a Bind's are read through it.
 */
export function decodeClientFrame(frame: Frame, names?: NameMemo): ClientMessage {
  return frame.kind === "untagged"
    ? decodeUntagged(frame.code, frame.body)
    : decodeTagged(frame.type, frame.raw, names);
}

/**
 * `decodeClientFrame` of a tagged message given as its bytes alone, header included (see
 * `FrameBuffer.nextRaw`).
 */
export function decodeTaggedMessage(raw: Buffer, names?: NameMemo): ClientMessage {
  return decodeTagged(raw[0] as number, raw, names);
}

function decodeUntagged(code: number, body: Buffer): ClientMessage {
  switch (code) {
    case SSL_REQUEST_CODE:
      return empty(new Reader(body, "SSLRequest"), { name: "sslRequest" });
    case GSSENC_REQUEST_CODE:
      return empty(new Reader(body, "GSSENCRequest"), { name: "gssencRequest" });
    case CANCEL_REQUEST_CODE:
      return parseCancelRequest(new Reader(body, "CancelRequest"));
    default:
      // Any other code is a protocol version; whether it is one we speak is the session's call.
      return parseStartup(code, new Reader(body, "StartupMessage"));
  }
}

/**
 * Messages without fields are one object each, shared: a pipelined client sends a Sync per
 * statement. Frozen, so nothing can change one for every session.
 */
const SYNC: ClientMessage = Object.freeze({ name: "sync" });
const FLUSH: ClientMessage = Object.freeze({ name: "flush" });
/**
 * What libpq sends with every prepared statement it runs, besides Bind and Sync: an Execute of the
 * unnamed portal with no row limit, a Describe of the unnamed portal (or statement). One frozen
 * object each, as for Sync: an object and a reader per message were a sixth of the garbage of a
 * prepared transaction's client messages.
 */
const EXECUTE_UNNAMED: ClientMessage = Object.freeze({ name: "execute", portal: "", maxRows: 0 });
const DESCRIBE_UNNAMED_PORTAL: ClientMessage = Object.freeze({
  name: "describe",
  target: "P",
  targetName: "",
});
const DESCRIBE_UNNAMED_STATEMENT: ClientMessage = Object.freeze({
  name: "describe",
  target: "S",
  targetName: "",
});
/** An Execute of the unnamed portal: its header, the empty name's NUL and the Int32 row limit. */
const EXECUTE_UNNAMED_BYTES = TAGGED_HEADER_BYTES + 1 + 4;
/** A Describe of the unnamed portal or statement: its header, the target byte and the empty name's NUL. */
const DESCRIBE_UNNAMED_BYTES = TAGGED_HEADER_BYTES + 1 + 1;

/** A reader of a whole tagged message's fields, past its header, in place (no view of the body). */
function fieldsOf(raw: Buffer, what: string): Reader {
  return new Reader(raw, what, true, TAGGED_HEADER_BYTES);
}

/** `raw` is the whole message, header included. */
function decodeTagged(type: number, raw: Buffer, names: NameMemo | undefined): ClientMessage {
  switch (type) {
    case ClientCode.Query:
      return parseQuery(fieldsOf(raw, "Query"));
    case ClientCode.Parse:
      return parseParse(fieldsOf(raw, "Parse"));
    case ClientCode.Bind:
      return parseBind(fieldsOf(raw, "Bind"), names);
    case ClientCode.Describe:
      return unnamedDescribe(raw) ?? parseTarget("describe", fieldsOf(raw, "Describe"));
    case ClientCode.Execute:
      return unnamedExecute(raw) ?? parseExecute(fieldsOf(raw, "Execute"));
    case ClientCode.Close:
      return parseTarget("close", fieldsOf(raw, "Close"));
    case ClientCode.Sync:
      return raw.length === TAGGED_HEADER_BYTES ? SYNC : empty(fieldsOf(raw, "Sync"), SYNC);
    case ClientCode.Flush:
      return raw.length === TAGGED_HEADER_BYTES ? FLUSH : empty(fieldsOf(raw, "Flush"), FLUSH);
    case ClientCode.Terminate:
      return empty(fieldsOf(raw, "Terminate"), { name: "terminate" });
    case ClientCode.CopyData:
      return { name: "copyData", data: raw.subarray(TAGGED_HEADER_BYTES) };
    case ClientCode.CopyDone:
      return empty(fieldsOf(raw, "CopyDone"), { name: "copyDone" });
    case ClientCode.CopyFail:
      return parseCopyFail(fieldsOf(raw, "CopyFail"));
    case ClientCode.FunctionCall:
      return parseFunctionCall(fieldsOf(raw, "FunctionCall"));
    case ClientCode.AuthResponse:
      return { name: "authResponse", body: raw.subarray(TAGGED_HEADER_BYTES) };
    default:
      throw new WireError(`invalid frontend message type '${printable(type)}'`);
  }
}

function parseStartup(protocolVersion: number, reader: Reader): ClientMessage {
  // Older startup packets lay their fields out otherwise (fixed-size, 2.0); the server refuses
  // their version before it reads any, and the session does the same with none read here.
  if (protocolVersion >>> 16 !== PROTOCOL_3_0 >>> 16) {
    return { name: "startup", protocolVersion, params: {}, paramPairs: [] };
  }
  const paramPairs: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (let name = reader.cstring(); name !== ""; name = reader.cstring()) {
    // PostgreSQL lets the last duplicate win; a gateway judging the first would be fooled.
    if (seen.has(name)) throw new WireError(`duplicate startup parameter "${name}"`);
    seen.add(name);
    paramPairs.push([name, reader.cstring()]);
  }
  reader.end();
  // fromEntries defines own properties, so a parameter named "__proto__" is kept, not swallowed.
  return { name: "startup", protocolVersion, params: Object.fromEntries(paramPairs), paramPairs };
}

function parseCancelRequest(reader: Reader): ClientMessage {
  const processId = reader.int32();
  const secretKey = reader.rest();
  if (secretKey.length < MIN_CANCEL_KEY_BYTES || secretKey.length > MAX_CANCEL_KEY_BYTES)
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
  const paramTypes = Array.from({ length: reader.count(4) }, () => reader.oid());
  reader.end();
  return { name: "parse", statement, sql, paramTypes };
}

function parseBind(reader: Reader, names: NameMemo | undefined): ClientMessage {
  const portal = reader.name(names);
  const statement = reader.name(names);
  // Checked in place, in the order the values were read before (no arrays, no views): the counts
  // and lengths, then the formats against the values, then the text values' encoding.
  const formatCount = reader.count(2);
  const formatsAt = reader.skip(2 * formatCount);
  const paramCount = reader.count(4);
  const paramsAt = reader.position;
  for (let i = 0; i < paramCount; i += 1) {
    const length = reader.int32();
    if (length !== -1) reader.skip(length);
  }
  // As PostgreSQL: no formats (all text), one for all, or one per parameter.
  if (formatCount > 1 && formatCount !== paramCount)
    throw new WireError(`bind message has ${formatCount} parameter formats but ${paramCount} parameters`);
  // A text value is converted (so verified) by the server before any input function sees it; the
  // gateway's checks decode the same bytes, so they must be the text the server reads.
  const raw = reader.source;
  let at = paramsAt;
  for (let i = 0; i < paramCount; i += 1) {
    const length = raw.readInt32BE(at);
    at += 4;
    if (length === -1) continue;
    const format = formatCount === 0 ? 0 : raw.readInt16BE(formatsAt + (formatCount === 1 ? 0 : 2 * i));
    if (format === 0) assertUtf8Strict(raw, at, at + length);
    at += length;
  }
  const resultCount = reader.count(2);
  reader.skip(2 * resultCount);
  reader.end();
  return { name: "bind", portal, statement };
}

/**
 * The values a Bind decoded by `decodeClientFrame` binds (null for SQL NULL), read from its whole
 * message `raw`, header included: views of it, in order.
 */
export function bindParams(raw: Buffer): (Buffer | null)[] {
  let at = nulAt(raw, nulAt(raw, TAGGED_HEADER_BYTES) + 1) + 1;
  at += 2 + 2 * raw.readUInt16BE(at);
  const count = raw.readUInt16BE(at);
  at += 2;
  const params: (Buffer | null)[] = new Array(count);
  for (let i = 0; i < count; i += 1) {
    const length = raw.readInt32BE(at);
    at += 4;
    params[i] = length === -1 ? null : raw.subarray(at, at + length);
    if (length !== -1) at += length;
  }
  return params;
}

/** A Describe or Close: one object, no spread (a Describe per statement, on libpq's prepared path). */
function parseTarget(name: "describe" | "close", reader: Reader): ClientMessage {
  const target = reader.byte();
  if (target !== TargetCode.Statement && target !== TargetCode.Portal)
    throw new WireError(`invalid target '${printable(target)}': expected 'S' or 'P'`);
  const targetName = reader.cstring();
  reader.end();
  return { name, target: target === TargetCode.Statement ? "S" : "P", targetName };
}

/**
 * The shared Execute of the unnamed portal with no row limit, when `raw` is exactly that (what
 * `parseExecute` would read from it: an empty name, a zero limit, nothing after); else null.
 */
function unnamedExecute(raw: Buffer): ClientMessage | null {
  const isUnnamedAll =
    raw.length === EXECUTE_UNNAMED_BYTES &&
    raw[TAGGED_HEADER_BYTES] === 0 &&
    raw.readInt32BE(TAGGED_HEADER_BYTES + 1) === 0;
  return isUnnamedAll ? EXECUTE_UNNAMED : null;
}

/** The shared Describe of the unnamed portal or statement, when `raw` is exactly that; else null. */
function unnamedDescribe(raw: Buffer): ClientMessage | null {
  if (raw.length !== DESCRIBE_UNNAMED_BYTES || raw[TAGGED_HEADER_BYTES + 1] !== 0) return null;
  const target = raw[TAGGED_HEADER_BYTES];
  if (target === TargetCode.Portal) return DESCRIBE_UNNAMED_PORTAL;
  return target === TargetCode.Statement ? DESCRIBE_UNNAMED_STATEMENT : null;
}

function parseExecute(reader: Reader): ClientMessage {
  const portal = reader.cstring();
  const maxRows = reader.int32();
  reader.end();
  return { name: "execute", portal, maxRows };
}

function parseCopyFail(reader: Reader): ClientMessage {
  const message = reader.cstring();
  reader.end();
  return { name: "copyFail", message };
}

/** Only the function is decoded: the gateway refuses every FunctionCall, so its arguments never matter. */
function parseFunctionCall(reader: Reader): ClientMessage {
  return { name: "functionCall", functionOid: reader.oid() };
}

function empty(reader: Reader, message: ClientMessage): ClientMessage {
  reader.end();
  return message;
}

/** The body of a SASLInitialResponse ('p' right after AuthenticationSASL). */
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

/** The body of a SASLResponse ('p' during a SASL exchange): the mechanism's own bytes, unframed. */
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
