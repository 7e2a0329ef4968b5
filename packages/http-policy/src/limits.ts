/**
 * Named limits of the HTTP data path, with their reasons. The gateway enforces the byte limits on
 * the wire; the package uses them to bound what it holds in memory.
 */

/** Request bodies are read whole before the upstream sees them (rules read JSON fields): 1 MiB. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;
/** Request line plus headers; Node's parser answers 431 beyond it. */
export const MAX_REQUEST_HEADER_BYTES = 16 * 1024;
/** A request target longer than this is refused (414) before it is read. */
export const MAX_TARGET_LENGTH = 8 * 1024;
/** JSON nesting the strict parser and the streaming masker follow; deeper is refused. */
export const MAX_JSON_DEPTH = 128;
/**
 * One JSON string or number token is held whole while it is masked (its value is judged as a
 * whole); a longer one cuts the response rather than passing unread.
 */
export const MAX_JSON_TOKEN_BYTES = 1024 * 1024;
/** A text response is masked a line at a time; a longer line cuts it rather than passing unread. */
export const MAX_TEXT_LINE_BYTES = 256 * 1024;
