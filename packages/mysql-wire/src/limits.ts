/** A packet's payload length is 3 bytes; this length means "more of the same payload follows". */
export const MAX_PACKET_PAYLOAD = 0xff_ff_ff;
/** Length (3) + sequence id (1). */
export const PACKET_HEADER_BYTES = 4;
/**
 * The largest logical payload the gateway joins from continuation packets: MariaDB's own default
 * max_allowed_packet (16 MiB), so nothing a default server accepts is refused here.
 */
export const MAX_JOINED_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** Before authentication a client has no business sending more than a login. */
export const MAX_LOGIN_PAYLOAD_BYTES = 64 * 1024;
