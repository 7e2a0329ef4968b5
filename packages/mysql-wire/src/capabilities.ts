/**
 * Capability flags of the handshake. The gateway offers only what it relays faithfully.
 * @see https://mariadb.com/kb/en/connection/#capabilities
 */
export const Capability = {
  LONG_PASSWORD: 1,
  FOUND_ROWS: 1 << 1,
  LONG_FLAG: 1 << 2,
  CONNECT_WITH_DB: 1 << 3,
  NO_SCHEMA: 1 << 4,
  COMPRESS: 1 << 5,
  ODBC: 1 << 6,
  LOCAL_FILES: 1 << 7,
  IGNORE_SPACE: 1 << 8,
  PROTOCOL_41: 1 << 9,
  INTERACTIVE: 1 << 10,
  SSL: 1 << 11,
  IGNORE_SIGPIPE: 1 << 12,
  TRANSACTIONS: 1 << 13,
  RESERVED: 1 << 14,
  SECURE_CONNECTION: 1 << 15,
  MULTI_STATEMENTS: 1 << 16,
  MULTI_RESULTS: 1 << 17,
  PS_MULTI_RESULTS: 1 << 18,
  PLUGIN_AUTH: 1 << 19,
  CONNECT_ATTRS: 1 << 20,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 1 << 21,
  CAN_HANDLE_EXPIRED_PASSWORDS: 1 << 22,
  SESSION_TRACK: 1 << 23,
  DEPRECATE_EOF: 1 << 24,
} as const;

/**
 * What the gateway offers agents: no compression (the gateway reads every packet), no LOCAL
 * INFILE (the client would send a file the policy never saw), no IGNORE_SPACE (it changes how
 * function names parse), no session tracking (its payload is not relayed faithfully yet).
 */
export const GATEWAY_CAPABILITIES =
  Capability.LONG_PASSWORD |
  Capability.FOUND_ROWS |
  Capability.LONG_FLAG |
  Capability.CONNECT_WITH_DB |
  Capability.PROTOCOL_41 |
  Capability.INTERACTIVE |
  Capability.SSL |
  Capability.TRANSACTIONS |
  Capability.SECURE_CONNECTION |
  Capability.MULTI_STATEMENTS |
  Capability.MULTI_RESULTS |
  Capability.PS_MULTI_RESULTS |
  Capability.PLUGIN_AUTH |
  Capability.CONNECT_ATTRS |
  Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  Capability.DEPRECATE_EOF;

/** Never forwarded upstream, whatever the agent asked for. */
export const REFUSED_CAPABILITIES =
  Capability.COMPRESS | Capability.LOCAL_FILES | Capability.IGNORE_SPACE | Capability.SESSION_TRACK;

export function hasCapability(flags: number, capability: number): boolean {
  return (flags & capability) !== 0;
}
