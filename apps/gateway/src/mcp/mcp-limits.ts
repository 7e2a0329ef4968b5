/** Named limits of the MCP endpoint, each with its reason. */

/** A tool result is read by a model: past this many rows it is a summary's job, not a result's. */
export const MAX_RESULT_ROWS = 500;

/** A held call's outcome is kept this long after it settles, for `review_status` to hand over. */
export const SETTLED_HOLD_KEEP_MS = 3_600_000;

/** Held calls one agent may have waiting at once (each keeps a gateway session open). */
export const MAX_HELD_CALLS_PER_AGENT = 20;

/** A JSON-RPC request body larger than this is refused before it is parsed. */
export const MAX_MCP_BODY_BYTES = 1024 * 1024;

/** Failed logins per client address within the window before it must wait (as on the HTTP path). */
export const AUTH_FAILURES_PER_ADDRESS = 30;
export const AUTH_FAILURE_WINDOW_MS = 60_000;
