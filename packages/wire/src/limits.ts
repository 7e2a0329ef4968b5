/**
 * Named limits and codes of the wire layer.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */

/**
 * The largest client message the gateway buffers. PostgreSQL accepts up to 1 GiB, but a gateway holds
 * a message in memory before judging it; 64 MiB bounds that per client and still fits large values.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** PostgreSQL's MAX_STARTUP_PACKET_LENGTH: startup packets are small, a larger one is an attack. */
export const MAX_STARTUP_BYTES = 10_000;
/** PostgreSQL's own limit for any field, so the most an upstream can legitimately send at once. */
export const MAX_SERVER_MESSAGE_BYTES = 1024 * 1024 * 1024 + 64;

export const PROTOCOL_3_0 = 196608;
export const PROTOCOL_3_2 = 196610;
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;
/** Protocol 3.2 (PostgreSQL 18) allows cancel keys of up to 256 bytes; 3.0 uses 4. */
export const MAX_CANCEL_KEY_BYTES = 256;
