import net from "node:net";
import tls from "node:tls";
import { PIN_SESSION_SQL } from "@sluice/mysql-sql/pinned-modes";
import { Capability } from "@sluice/mysql-wire/capabilities";
import {
  encodeHandshakeResponse41,
  encodeSslRequest,
  parseHandshakeV10,
  UTF8MB4_COLLATION,
} from "@sluice/mysql-wire/handshake";
import { framePacket, type Packet, PacketBuffer } from "@sluice/mysql-wire/packet-buffer";
import { PayloadWriter } from "@sluice/mysql-wire/payload-writer";
import { isErrPacket, parseErr } from "@sluice/mysql-wire/responses";
import { nativePasswordResponse } from "@sluice/secrets/mysql-auth";

/** A packet as the client read it: what byte-for-byte comparisons between two servers compare. */
export type RawPacket = { sequenceId: number; payload: Buffer };

/** Server status flags the raw client reads. @see https://mariadb.com/kb/en/ok_packet/ */
const STATUS_MORE_RESULTS = 0x0008;
const STATUS_CURSOR_EXISTS = 0x0040;
/** COM_STMT_EXECUTE's flag that asks for a read-only cursor. */
export const CURSOR_TYPE_READ_ONLY = 0x01;
/** MYSQL_TYPE_VAR_STRING and MYSQL_TYPE_LONGLONG: the parameter types the tests bind. */
const TYPE_VAR_STRING = 0xfd;
const TYPE_LONGLONG = 0x08;
/** How long any one packet may take to arrive; a test never waits longer than this. */
const READ_TIMEOUT_MS = 20_000;

export type RawLogin = {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** The gateway: TLS with this CA and the token by mysql_clear_password. Absent: plain, native password. */
  tlsCa?: string;
  /** Ask for CLIENT_DEPRECATE_EOF (result sets end with an OK packet instead of EOF). */
  isDeprecateEof: boolean;
};

/**
 * A MySQL client that speaks the binary protocol packet by packet, for what no common client does
 * (cursors, COM_STMT_FETCH, COM_STMT_SEND_LONG_DATA). It returns every packet as received, so the
 * same exchange can be compared byte for byte through Sluice and directly against the server.
 * Written from the protocol documentation; it uses mysql-wire only for framing and the handshake.
 */
export class MySqlRawClient {
  private readonly buffer = new PacketBuffer(64 * 1024 * 1024);
  private readonly packets: Packet[] = [];
  private waiter: (() => void) | null = null;
  private isClosed = false;

  private constructor(
    private socket: net.Socket,
    readonly isDeprecateEof: boolean,
  ) {
    this.listen(socket);
  }

  static async connect(login: RawLogin): Promise<MySqlRawClient> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const opened = net.connect({ host: login.host, port: login.port }, () => resolve(opened));
      opened.once("error", reject);
    });
    const client = new MySqlRawClient(socket, login.isDeprecateEof);
    await client.login(login);
    return client;
  }

  private listen(socket: net.Socket): void {
    socket.on("data", (chunk: Buffer) => {
      this.packets.push(...this.buffer.push(chunk));
      this.waiter?.();
    });
    socket.on("close", () => {
      this.isClosed = true;
      this.waiter?.();
    });
    socket.on("error", () => {});
  }

  private async login(login: RawLogin): Promise<void> {
    const greeting = parseHandshakeV10((await this.read()).payload);
    const capabilities =
      Capability.LONG_PASSWORD |
      Capability.LONG_FLAG |
      Capability.CONNECT_WITH_DB |
      Capability.PROTOCOL_41 |
      Capability.TRANSACTIONS |
      Capability.SECURE_CONNECTION |
      Capability.MULTI_RESULTS |
      Capability.PS_MULTI_RESULTS |
      Capability.PLUGIN_AUTH |
      Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA |
      (login.isDeprecateEof ? Capability.DEPRECATE_EOF : 0) |
      (login.tlsCa ? Capability.SSL : 0);
    let sequenceId = 1;
    if (login.tlsCa) {
      this.socket.write(
        framePacket(sequenceId++, encodeSslRequest(capabilities, UTF8MB4_COLLATION, 1 << 24)),
      );
      this.socket.removeAllListeners();
      const secure = tls.connect({ socket: this.socket, ca: login.tlsCa, servername: "localhost" });
      await new Promise<void>((resolve, reject) => {
        secure.once("secureConnect", () => resolve());
        secure.once("error", reject);
      });
      this.socket = secure;
      this.listen(secure);
    }
    const plugin = login.tlsCa ? "mysql_clear_password" : "mysql_native_password";
    const authResponse = login.tlsCa
      ? Buffer.from(`${login.password}\0`)
      : nativePasswordResponse(login.password, greeting.scramble.subarray(0, 20));
    this.socket.write(
      framePacket(
        sequenceId,
        encodeHandshakeResponse41({
          capabilities,
          maxPacketSize: 1 << 24,
          collation: UTF8MB4_COLLATION,
          user: login.user,
          authResponse,
          database: login.database,
          authPlugin: plugin,
          attributes: new Map(),
        }),
      ),
    );
    const answer = await this.read();
    if (answer.payload[0] !== 0x00) throw new Error(`login failed: ${describe(answer.payload)}`);
    // The same modes the gateway pins upstream, so both sides answer with the same metadata.
    if (!login.tlsCa) await this.query(PIN_SESSION_SQL);
  }

  /** The next packet, waiting at most READ_TIMEOUT_MS. */
  async read(): Promise<RawPacket> {
    const deadline = Date.now() + READ_TIMEOUT_MS;
    while (this.packets.length === 0) {
      if (this.isClosed) throw new Error("the server closed the connection");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no packet within ${READ_TIMEOUT_MS} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
    const packet = this.packets.shift() as Packet;
    return { sequenceId: packet.sequenceId, payload: packet.payload };
  }

  send(payload: Buffer): void {
    this.socket.write(framePacket(0, payload));
  }

  /** COM_QUERY and its whole answer (text rows). */
  query(sql: string): Promise<RawPacket[]> {
    this.send(Buffer.concat([Buffer.from([0x03]), Buffer.from(sql)]));
    return this.resultSets();
  }

  /** COM_FIELD_LIST: the table's column definitions and the packet after them (or an ERR). */
  async fieldList(table: string, wildcard = ""): Promise<RawPacket[]> {
    this.send(Buffer.concat([Buffer.from([0x04]), Buffer.from(`${table}\0${wildcard}`)]));
    return this.rows();
  }

  /** COM_STMT_PREPARE: the statement id and every packet of the answer. */
  async prepare(sql: string): Promise<{ statementId: number; packets: RawPacket[] }> {
    this.send(Buffer.concat([Buffer.from([0x16]), Buffer.from(sql)]));
    const first = await this.read();
    if (isErrPacket(first.payload)) throw new Error(`prepare failed: ${describe(first.payload)}`);
    const statementId = first.payload.readUInt32LE(1);
    const columns = first.payload.readUInt16LE(5);
    const params = first.payload.readUInt16LE(7);
    const packets = [first];
    for (const count of [params, columns]) {
      if (count === 0) continue;
      for (let index = 0; index < count; index++) packets.push(await this.read());
      if (!this.isDeprecateEof) packets.push(await this.read());
    }
    return { statementId, packets };
  }

  /**
   * COM_STMT_EXECUTE with parameters (strings and integers; `undefined` for one sent as long data)
   * and its answer: with a cursor, the column definitions and the packet that says the cursor is open.
   */
  execute(
    statementId: number,
    params: ReadonlyArray<string | number | undefined> = [],
    flags = 0,
  ): Promise<RawPacket[]> {
    const writer = new PayloadWriter();
    writer.int1(0x17).int4(statementId).int1(flags).int4(1);
    if (params.length > 0) {
      writer.bytes(Buffer.alloc((params.length + 7) >> 3));
      writer.int1(1);
      for (const param of params) writer.int2(typeof param === "number" ? TYPE_LONGLONG : TYPE_VAR_STRING);
      for (const param of params) {
        if (typeof param === "number") writer.int8(BigInt.asUintN(64, BigInt(param)));
        else if (typeof param === "string") writer.lenencBytes(Buffer.from(param));
      }
    }
    this.send(writer.build());
    return this.resultSets();
  }

  /** COM_STMT_FETCH: up to `rows` binary rows of the statement's cursor and the packet after them. */
  async fetch(statementId: number, rows: number): Promise<RawPacket[]> {
    this.send(new PayloadWriter().int1(0x1c).int4(statementId).int4(rows).build());
    return this.rows();
  }

  /** COM_STMT_SEND_LONG_DATA: a parameter's value in a piece; the server sends nothing back. */
  sendLongData(statementId: number, paramId: number, data: Buffer): void {
    this.send(Buffer.concat([new PayloadWriter().int1(0x18).int4(statementId).int2(paramId).build(), data]));
  }

  /** COM_STMT_RESET and its OK (or ERR). */
  async resetStatement(statementId: number): Promise<RawPacket> {
    this.send(new PayloadWriter().int1(0x1a).int4(statementId).build());
    return this.read();
  }

  /** COM_STMT_CLOSE: no answer. */
  closeStatement(statementId: number): void {
    this.send(new PayloadWriter().int1(0x19).int4(statementId).build());
  }

  end(): void {
    this.socket.end();
  }

  /** Result sets until one does not announce more (or an OK, an ERR, an opened cursor). */
  private async resultSets(): Promise<RawPacket[]> {
    const packets: RawPacket[] = [];
    for (;;) {
      const first = await this.read();
      packets.push(first);
      if (first.payload[0] === 0x00 || isErrPacket(first.payload)) {
        if (first.payload[0] === 0x00 && (okStatus(first.payload) & STATUS_MORE_RESULTS) !== 0) continue;
        return packets;
      }
      const columns = first.payload[0] as number;
      for (let index = 0; index < columns; index++) packets.push(await this.read());
      if (!this.isDeprecateEof) {
        const eof = await this.read();
        packets.push(eof);
        if ((eof.payload.readUInt16LE(3) & STATUS_CURSOR_EXISTS) !== 0) return packets;
      }
      const rows = await this.rows();
      packets.push(...rows);
      const end = rows[rows.length - 1] as RawPacket;
      if (
        isErrPacket(end.payload) ||
        (terminatorStatus(end.payload, this.isDeprecateEof) & STATUS_MORE_RESULTS) === 0
      )
        return packets;
    }
  }

  /** Rows until the terminator (EOF, or OK with the 0xFE header) or an ERR. */
  private async rows(): Promise<RawPacket[]> {
    const packets: RawPacket[] = [];
    for (;;) {
      const packet = await this.read();
      packets.push(packet);
      if (isErrPacket(packet.payload)) return packets;
      if (packet.payload[0] === 0xfe && packet.payload.length < 0xffffff) return packets;
    }
  }
}

/** The status flags of an OK packet (header, affected rows, last insert id, status). */
function okStatus(payload: Buffer): number {
  let offset = 1;
  for (let field = 0; field < 2; field++) offset += lenencSize(payload[offset] as number);
  return payload.readUInt16LE(offset);
}

/** The status of a result set's terminator: an EOF packet's, or an OK's under DEPRECATE_EOF. */
export function terminatorStatus(payload: Buffer, isDeprecateEof: boolean): number {
  return isDeprecateEof ? okStatus(payload) : payload.readUInt16LE(3);
}

function lenencSize(first: number): number {
  if (first < 0xfb) return 1;
  if (first === 0xfc) return 3;
  if (first === 0xfd) return 4;
  return 9;
}

function describe(payload: Buffer): string {
  return isErrPacket(payload)
    ? `${parseErr(payload).code} ${parseErr(payload).message}`
    : payload.toString("hex");
}
