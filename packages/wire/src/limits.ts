/**
 * Named limits and codes of the wire layer, each with the reason for its value.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */

/**
 * The largest client message the gateway buffers. PostgreSQL accepts up to 1 GiB, but a gateway holds
 * a whole message in memory before judging it; 64 MiB bounds that per client and still fits large values.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/**
 * PostgreSQL's MAX_STARTUP_PACKET_LENGTH, counted as PostgreSQL does (without the length word):
 * startup packets are small, so a larger one is a probe or an attack.
 */
export const MAX_STARTUP_BYTES = 10_000;
/**
 * PostgreSQL's own cap on one field (1 GiB) plus room for the message around it: the most an
 * upstream can legitimately send at once, so only the gateway-to-upstream direction may use it.
 */
export const MAX_SERVER_MESSAGE_BYTES = 1024 * 1024 * 1024 + 64;

/** Protocol 3.0: every PostgreSQL since 7.4. */
export const PROTOCOL_3_0 = 196608;
/** Protocol 3.2 (PostgreSQL 18): variable-length cancel keys. There is no 3.1. */
export const PROTOCOL_3_2 = 196610;
/** The "version" codes of the untagged requests that may precede (or replace) a StartupMessage. */
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;

/** Protocol 3.0 cancel keys are exactly 4 bytes; 3.2 allows any length from 4 up to 256. */
export const MIN_CANCEL_KEY_BYTES = 4;
export const MAX_CANCEL_KEY_BYTES = 256;

/**
 * Until a client has authenticated, no message it may send (startup, SASL responses) needs more
 * than this; PostgreSQL itself caps login-phase messages near here. Unauthenticated peers cannot
 * make the gateway buffer megabytes.
 */
export const MAX_PREAUTH_MESSAGE_BYTES = 64 * 1024;

/** Type byte plus Int32 length: the header every tagged message starts with, in both directions. */
export const TAGGED_HEADER_BYTES = 5;
