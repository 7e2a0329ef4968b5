import { ClientError } from "./client-error";

/** The protocol majors the gateway speaks (3.x; a later 3.y is negotiated down to 3.0). */
const SUPPORTED_MAJOR = 3;
/** What PostgreSQL 18, whose server_version the gateway reports, says it supports. */
const SERVER_SUPPORTS = "3.0 to 3.2";
/**
 * Where PostgreSQL 18.4 raises this refusal (its F, L and R fields): a 3.0-format answer carries
 * them as the server's does, so a client printing LOCATION (psql's VERBOSITY verbose) or reading
 * the fields (pg's error.file/line/routine) sees the server's answer.
 * @see https://github.com/postgres/postgres/blob/REL_18_STABLE/src/backend/tcop/backend_startup.c (ProcessStartupPacket)
 */
const SERVER_SOURCE = { file: "backend_startup.c", line: "732", routine: "ProcessStartupPacket" } as const;

/**
 * A refusal of the protocol version a StartupMessage asks for. Before 3.0 there were no error
 * fields: the server answers such a client in the old format ('E', then "FATAL:  " and the message
 * as one string) so that it can read it, and so does the gateway.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
 */
export class UnsupportedProtocolError extends ClientError {
  constructor(
    message: string,
    /** The client speaks protocol 2.0 or older: the error goes in the format it reads. */
    readonly isBeforeProtocol3: boolean,
  ) {
    super("FATAL", "0A000", message, undefined, undefined, undefined, SERVER_SOURCE);
  }

  /** The bytes the client gets, in the format of the protocol it asked for. */
  toLegacyBytes(): Buffer {
    // elog.c's old-protocol path: severity, two spaces, the message, a newline, NUL-terminated.
    const text = Buffer.from(`FATAL:  ${this.message}\n\0`);
    return Buffer.concat([Buffer.from("E"), text]);
  }
}

/** Null when the gateway speaks the version; otherwise the server's own refusal of it. */
export function unsupportedProtocol(protocolVersion: number): UnsupportedProtocolError | null {
  const major = protocolVersion >>> 16;
  if (major === SUPPORTED_MAJOR) return null;
  const minor = protocolVersion & 0xffff;
  return new UnsupportedProtocolError(
    `unsupported frontend protocol ${major}.${minor}: server supports ${SERVER_SUPPORTS}`,
    major < SUPPORTED_MAJOR,
  );
}
