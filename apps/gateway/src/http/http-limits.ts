/** Limits of the HTTP listener and its upstream calls, with their reasons. */

/** The agent's whole request (headers and body) must arrive within this. */
export const REQUEST_TIMEOUT_MS = 60_000;
/** An idle keep-alive connection from an agent is closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Connecting to the upstream and getting its response headers. */
export const UPSTREAM_HEADERS_TIMEOUT_MS = 30_000;
/** Silence on the upstream socket once its response streams: the call is cut. */
export const UPSTREAM_IDLE_TIMEOUT_MS = 60_000;
/**
 * An idle kept-alive upstream socket is closed after this (sooner when the upstream's Keep-Alive
 * header says it closes sooner): long enough for an agent's next call, short enough that the
 * upstream rarely closes it first (Node's server: 5 s).
 */
export const UPSTREAM_KEEP_ALIVE_MS = 4_000;
/**
 * The longest a connection's record is reused. A change to it does not wait for this: the policy
 * version it bumps (NOTIFY) makes the next call read the record again; this only bounds a version
 * move the gateway has not heard of (its listener down, between polls).
 */
export const AUTH_CACHE_MS = 5_000;
/**
 * How long a verified token and its agent are reused (PBKDF2 is not paid per call). Revocation does
 * not wait for it: the watcher (http-revocation.ts) forgets a revoked credential within a second.
 */
export const VERIFIED_TOKEN_MS = 60_000;
/** Verified tokens remembered at most; the oldest are forgotten first. */
export const AUTH_CACHE_ENTRIES = 10_000;
