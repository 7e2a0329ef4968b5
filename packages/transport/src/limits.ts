/** Transport's limits, with their reasons. */

/** A client that connects and says nothing is dropped, like PostgreSQL's authentication_timeout. */
export const AUTHENTICATION_TIMEOUT_MS = 60_000;

/** How long a FATAL already queued to the client may take to flush before the socket goes. */
export const FATAL_FLUSH_MS = 1000;

/**
 * How long a shutdown lets answers already in flight (a held statement's refusal, going through the
 * upstream) reach their clients before the FATAL; a statement still running then is cut off, as
 * PostgreSQL's fast shutdown cuts it off.
 */
export const SHUTDOWN_DRAIN_MS = 2000;

/**
 * Connections whose login fields one gateway's pool keys keep: far more than a gateway serves, so a
 * live connection's login is hashed once per change of it, and bounded so that connections created
 * and deleted over a process's life are forgotten (the one used longest ago goes first).
 */
export const MAX_POOL_KEY_CONNECTIONS = 1024;
