import { MAX_PENDING_BYTES } from "@sluice/recording/session-recorder";

/** The recording writer's limits and the reasons it gives when one ends a session. */

/** Recordings reach the store at least this often: a gateway crash loses at most this much. */
export const RECORDING_FLUSH_MS = 1000;
/**
 * Chunk bytes one session may have waiting for the store. Past it, the periodic flush leaves the
 * session's events with its recorder, whose own bound then counts rows instead of keeping them:
 * a slow store costs recorded rows (counted in the recording), never unbounded memory.
 */
export const MAX_UNSTORED_BYTES = 32 * 1024 * 1024;
/**
 * What a session's recorder may hold while its chunks wait for the store. Rows past the recorder's
 * own bound are only counted, but statements, verdicts and errors are kept: a session that goes on
 * past this is ended (nothing runs unrecorded), not left to grow.
 */
export const MAX_RECORDER_BYTES = 2 * MAX_PENDING_BYTES;
/**
 * Chunk bytes the whole process may keep for the store, across sessions (live or ended): with the
 * store away, every session's chunks wait in memory. Past it no session grows them further: live
 * sessions are ended (KEPT_BOUND_REASON) and new logins refused (57P03), while what is kept is still
 * stored once the store is back, never dropped. 256 MiB: eight sessions at MAX_UNSTORED_BYTES.
 */
export const MAX_KEPT_BYTES = 256 * 1024 * 1024;
/**
 * What a login (SQL: FATAL 57P03; MySQL: 1040; HTTP and MCP: 503) is told while the process keeps
 * MAX_KEPT_BYTES for the store, and what it should do.
 */
export const KEPT_BOUND_LOGIN_MESSAGE =
  "the Sluice store is unavailable: this gateway keeps as many recordings for it as it may";
export const KEPT_BOUND_LOGIN_HINT = "try again once the gateway's own database is back";
/** Why a live session is ended when the process keeps MAX_KEPT_BYTES for the store. */
export const KEPT_BOUND_REASON =
  "the Sluice store is unavailable and this gateway keeps as many recordings for it as it may; the session was ended so nothing runs unrecorded";
/**
 * How long one turn of the periodic flush may turn sessions' logs into chunks before it lets other
 * work run: with many busy sessions, one round is too much work to do without a break.
 */
export const FLUSH_SLICE_MS = 5;
/**
 * A chunk the store refused is tried again after each of these waits (half a minute in all): a
 * store restart or failover takes seconds, and a recording should come through it whole. Past them
 * the session is ended (STORE_UNREACHABLE_REASON), since it would run on unrecorded, and the chunk
 * is still kept and tried every last wait until the store takes it: a recording is never given up
 * while the gateway runs. Later chunks queue behind it meanwhile, bounded by MAX_UNSTORED_BYTES.
 */
export const RETRY_DELAYS_MS: readonly number[] = [250, 1000, 2000, 4000, 8000, 15_000];
/** Why a session is ended when its recording has waited out RETRY_DELAYS_MS. */
export const STORE_UNREACHABLE_REASON =
  "the session's recording could not be stored (the Sluice store is unreachable); the session was ended so nothing runs unrecorded, and its recording is kept until the store is back";
