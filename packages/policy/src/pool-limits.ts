/**
 * Pooled upstream logins, per connection and per gateway process (each cluster worker keeps its
 * own pool). The store's column defaults (prisma/schema.prisma) are these same numbers.
 */

/** Logins kept and reused per connection: enough for a burst of per-tool-call connects. */
export const DEFAULT_POOL_SIZE = 20;
/** A connection's pool never holds more: PostgreSQL's own default max_connections is 100. */
export const MAX_POOL_SIZE = 1000;
/** How long a connect waits for a pooled login to come free before it is refused with 53300. */
export const DEFAULT_POOL_WAIT_SECONDS = 10;
/** Longer than any agent's connect timeout is useful for. */
export const MAX_POOL_WAIT_SECONDS = 300;
