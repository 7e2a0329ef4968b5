import { Capability, hasCapability } from "./capabilities";
import { MySqlWireError } from "./mysql-wire-error";
import { PayloadReader } from "./payload-reader";
import { PayloadWriter } from "./payload-writer";

/** utf8mb4_general_ci: the collation id the gateway announces and asks the upstream for. */
export const UTF8MB4_COLLATION = 45;
/** The auth-plugin-data (scramble) length both native and caching_sha2 use. */
export const SCRAMBLE_BYTES = 20;

/**
 * The server's first packet.
 * @see https://mariadb.com/kb/en/connection/#initial-handshake-packet
 */
export type HandshakeV10 = {
  serverVersion: string;
  connectionId: number;
  scramble: Buffer;
  capabilities: number;
  /** MariaDB's extended capabilities (the 4 bytes where MySQL has filler), 0 for MySQL. */
  mariadbCapabilities: number;
  collation: number;
  status: number;
  authPlugin: string;
};

export function parseHandshakeV10(payload: Buffer): HandshakeV10 {
  const reader = new PayloadReader(payload);
  const protocol = reader.int1();
  if (protocol === 0xff) throw new MySqlWireError(`the server refused the connection: ${errorText(payload)}`);
  if (protocol !== 10) throw new MySqlWireError(`unsupported handshake protocol ${protocol}`);
  const serverVersion = reader.nulString();
  const connectionId = reader.int4();
  const scramble1 = reader.bytes(8);
  reader.int1();
  const capsLow = reader.int2();
  const collation = reader.int1();
  const status = reader.int2();
  const capsHigh = reader.int2();
  const authDataLength = reader.int1();
  reader.bytes(6);
  const mariadbCapabilities = reader.int4();
  const capabilities = (capsLow | (capsHigh << 16)) >>> 0;
  const rest = Math.max(13, authDataLength - 8);
  const scramble2 = reader.bytes(Math.min(rest, reader.remaining)).subarray(0, rest - 1);
  const authPlugin =
    hasCapability(capabilities, Capability.PLUGIN_AUTH) && reader.remaining > 0
      ? reader.nulString()
      : "mysql_native_password";
  return {
    serverVersion,
    connectionId,
    scramble: Buffer.concat([scramble1, scramble2]),
    capabilities,
    mariadbCapabilities,
    collation,
    status,
    authPlugin,
  };
}

export function encodeHandshakeV10(handshake: HandshakeV10): Buffer {
  const scramble = handshake.scramble;
  return new PayloadWriter()
    .int1(10)
    .nulString(handshake.serverVersion)
    .int4(handshake.connectionId)
    .bytes(scramble.subarray(0, 8))
    .int1(0)
    .int2(handshake.capabilities & 0xffff)
    .int1(handshake.collation)
    .int2(handshake.status)
    .int2((handshake.capabilities >>> 16) & 0xffff)
    .int1(scramble.length + 1)
    .zeros(6)
    .int4(handshake.mariadbCapabilities)
    .nulString(scramble.subarray(8))
    .nulString(handshake.authPlugin)
    .build();
}

/**
 * The client's answer (or, cut short at 32 bytes, its SSLRequest).
 * @see https://mariadb.com/kb/en/connection/#handshake-response-packet
 */
export type HandshakeResponse = {
  capabilities: number;
  maxPacketSize: number;
  collation: number;
  user: string;
  authResponse: Buffer;
  database: string | null;
  authPlugin: string | null;
  attributes: Map<string, string>;
};

/** An SSLRequest is the first 32 bytes of a HandshakeResponse41, with CLIENT_SSL set. */
export function isSslRequest(payload: Buffer): boolean {
  return payload.length === 32 && hasCapability(payload.readUInt32LE(0), Capability.SSL);
}

export function parseHandshakeResponse41(payload: Buffer): HandshakeResponse {
  const reader = new PayloadReader(payload);
  const capabilities = reader.int4();
  if (!hasCapability(capabilities, Capability.PROTOCOL_41)) {
    throw new MySqlWireError("clients older than protocol 4.1 are not supported");
  }
  const maxPacketSize = reader.int4();
  const collation = reader.int1();
  reader.bytes(19);
  reader.int4();
  const user = reader.nulString();
  let authResponse: Buffer;
  if (hasCapability(capabilities, Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA)) {
    authResponse = reader.lenencBytes() ?? Buffer.alloc(0);
  } else if (hasCapability(capabilities, Capability.SECURE_CONNECTION)) {
    authResponse = reader.bytes(reader.int1());
  } else {
    authResponse = reader.nulBytes();
  }
  const database =
    hasCapability(capabilities, Capability.CONNECT_WITH_DB) && reader.remaining > 0
      ? reader.nulString()
      : null;
  const authPlugin =
    hasCapability(capabilities, Capability.PLUGIN_AUTH) && reader.remaining > 0 ? reader.nulString() : null;
  const attributes = new Map<string, string>();
  if (hasCapability(capabilities, Capability.CONNECT_ATTRS) && reader.remaining > 0) {
    const length = reader.lenencInt() ?? 0;
    const end = reader.offset + length;
    while (reader.offset < end) attributes.set(reader.lenencString(), reader.lenencString());
  }
  return { capabilities, maxPacketSize, collation, user, authResponse, database, authPlugin, attributes };
}

export function encodeHandshakeResponse41(response: HandshakeResponse): Buffer {
  const writer = new PayloadWriter()
    .int4(response.capabilities)
    .int4(response.maxPacketSize)
    .int1(response.collation)
    .zeros(23)
    .nulString(response.user);
  if (hasCapability(response.capabilities, Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA)) {
    writer.lenencBytes(response.authResponse);
  } else {
    writer.int1(response.authResponse.length).bytes(response.authResponse);
  }
  if (hasCapability(response.capabilities, Capability.CONNECT_WITH_DB))
    writer.nulString(response.database ?? "");
  if (hasCapability(response.capabilities, Capability.PLUGIN_AUTH))
    writer.nulString(response.authPlugin ?? "");
  if (hasCapability(response.capabilities, Capability.CONNECT_ATTRS)) {
    const attributes = new PayloadWriter();
    for (const [key, value] of response.attributes) attributes.lenencString(key).lenencString(value);
    writer.lenencBytes(attributes.build());
  }
  return writer.build();
}

/** The 32-byte SSLRequest a client sends before its TLS handshake. */
export function encodeSslRequest(capabilities: number, collation: number, maxPacketSize: number): Buffer {
  return new PayloadWriter()
    .int4(capabilities | Capability.SSL)
    .int4(maxPacketSize)
    .int1(collation)
    .zeros(23)
    .build();
}

/** 0xFE + plugin name + plugin data: the server asks the client to authenticate another way. */
export type AuthSwitchRequest = { plugin: string; data: Buffer };

/**
 * `data` without a trailing NUL (the native and caching_sha2 scrambles carry one that is not part
 * of them); `rawData` as sent, for plugins whose data is binary of a fixed length (client_ed25519's
 * 32-byte nonce, whose last byte may be 0).
 */
export function parseAuthSwitchRequest(payload: Buffer): AuthSwitchRequest & { rawData: Buffer } {
  const reader = new PayloadReader(payload);
  if (reader.int1() !== 0xfe) throw new MySqlWireError("not an AuthSwitchRequest");
  const plugin = reader.nulString();
  const rest = reader.rest();
  const data = rest.length > 0 && rest[rest.length - 1] === 0 ? rest.subarray(0, -1) : rest;
  return { plugin, data, rawData: rest };
}

export function encodeAuthSwitchRequest(request: AuthSwitchRequest): Buffer {
  return new PayloadWriter().int1(0xfe).nulString(request.plugin).bytes(request.data).build();
}

/** 0x01 + data: more authentication data (caching_sha2's fast-auth result, a public key). */
export function encodeAuthMoreData(data: Buffer): Buffer {
  return new PayloadWriter().int1(0x01).bytes(data).build();
}

function errorText(payload: Buffer): string {
  return payload
    .subarray(3)
    .toString("utf8")
    .replace(/^#.{5}/, "");
}
