export type RateLimiterOptions = {
  /** Failures allowed inside the window before attempts are refused. */
  maxFailures: number;
  windowMs: number;
  now?: () => number;
};

/** Distinct keys remembered at once; beyond it the least recently added key is forgotten. */
export const MAX_TRACKED_KEYS = 100_000;
/** Timestamps kept per key: enough to answer retryAfterMs and count(), bounded for memory. */
const MAX_FAILURES_KEPT_PER_KEY = 1024;

/**
 * Counts failed authentications per key (agent name, client address) in a sliding window. A
 * limited key is refused before any verifier is consulted, so guessing tokens stays slow.
 */
export class RateLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly now: () => number;

  constructor(private readonly options: RateLimiterOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds until the key may try again, or 0 when it may try now. */
  retryAfterMs(key: string): number {
    const recent = this.recent(key);
    if (recent.length < this.options.maxFailures) return 0;
    const oldest = recent[recent.length - this.options.maxFailures] ?? this.now();
    return Math.max(0, oldest + this.options.windowMs - this.now());
  }

  /** Failures of this key still inside the window. */
  count(key: string): number {
    return this.recent(key).length;
  }

  recordFailure(key: string): void {
    const recent = this.recent(key);
    recent.push(this.now());
    // Keys are attacker-chosen (names, addresses): the map is bounded, oldest keys go first.
    if (!this.failures.has(key) && this.failures.size >= MAX_TRACKED_KEYS) this.evictOldest();
    this.failures.set(key, recent.length > this.keep ? recent.slice(-this.keep) : recent);
  }

  private get keep(): number {
    return Math.min(this.options.maxFailures, MAX_FAILURES_KEPT_PER_KEY);
  }

  private evictOldest(): void {
    const oldest = this.failures.keys().next();
    if (!oldest.done) this.failures.delete(oldest.value);
  }

  recordSuccess(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.options.windowMs;
    const kept = (this.failures.get(key) ?? []).filter((at) => at > cutoff);
    if (kept.length === 0) this.failures.delete(key);
    else this.failures.set(key, kept);
    return kept;
  }
}
