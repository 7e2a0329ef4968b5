import { MySqlWireError } from "./mysql-wire-error";
import { PayloadReader } from "./payload-reader";
import { PayloadWriter } from "./payload-writer";

/** SERVER_MORE_RESULTS_EXISTS: another result set of the same command follows. */
export const STATUS_MORE_RESULTS = 0x0008;
export const STATUS_AUTOCOMMIT = 0x0002;
export const STATUS_IN_TRANS = 0x0001;

/**
 * @see https://mariadb.com/kb/en/ok_packet/
 * With CLIENT_DEPRECATE_EOF a result set ends in an OK packet whose header is 0xFE.
 */
export type OkPacket = {
  affectedRows: number;
  lastInsertId: number;
  status: number;
  warnings: number;
  info: string;
};

export function isOkPacket(payload: Buffer): boolean {
  return payload[0] === 0x00 && payload.length >= 7;
}

/** 0xFE and shorter than a length-encoded 8-byte integer row: an EOF, or a DEPRECATE_EOF OK. */
export function isEofPacket(payload: Buffer): boolean {
  return payload[0] === 0xfe && payload.length < 0xff_ff_ff;
}

export function isErrPacket(payload: Buffer): boolean {
  return payload[0] === 0xff;
}

export function parseOk(payload: Buffer): OkPacket {
  const reader = new PayloadReader(payload);
  const header = reader.int1();
  if (header !== 0x00 && header !== 0xfe) throw new MySqlWireError("not an OK packet");
  const affectedRows = reader.lenencInt() ?? 0;
  const lastInsertId = reader.lenencInt() ?? 0;
  const status = reader.int2();
  const warnings = reader.int2();
  const info = reader.remaining > 0 ? reader.rest().toString("utf8") : "";
  return { affectedRows, lastInsertId, status, warnings, info };
}

export function encodeOk(ok: Partial<OkPacket> & { status: number }, header: 0x00 | 0xfe = 0x00): Buffer {
  return new PayloadWriter()
    .int1(header)
    .lenencInt(ok.affectedRows ?? 0)
    .lenencInt(ok.lastInsertId ?? 0)
    .int2(ok.status)
    .int2(ok.warnings ?? 0)
    .build();
}

/** The classic EOF packet (clients without CLIENT_DEPRECATE_EOF). */
export function parseEofStatus(payload: Buffer): number {
  if (payload.length >= 5 && payload.length < 9) return payload.readUInt16LE(3);
  return parseOk(payload).status;
}

export function encodeEof(status: number, warnings = 0): Buffer {
  return new PayloadWriter().int1(0xfe).int2(warnings).int2(status).build();
}

/** @see https://mariadb.com/kb/en/err_packet/ */
export type ErrPacket = { code: number; sqlState: string; message: string };

export function parseErr(payload: Buffer): ErrPacket {
  const reader = new PayloadReader(payload);
  if (reader.int1() !== 0xff) throw new MySqlWireError("not an ERR packet");
  const code = reader.int2();
  let sqlState = "HY000";
  if (reader.remaining > 0 && payload[reader.offset] === 0x23) {
    reader.int1();
    sqlState = reader.bytes(5).toString("latin1");
  }
  return { code, sqlState, message: reader.rest().toString("utf8") };
}

export function encodeErr(error: ErrPacket): Buffer {
  return new PayloadWriter()
    .int1(0xff)
    .int2(error.code)
    .bytes(Buffer.from(`#${error.sqlState}`, "latin1"))
    .bytes(Buffer.from(error.message, "utf8"))
    .build();
}
