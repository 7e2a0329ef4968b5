/**
 * Writes to the store that must not be lost while the store is away (recording chunks, the anchor
 * and the end of a session): each is tried again after each of the waits, then every last wait,
 * until the store takes it. Only closing gives up, so a gateway shutting down is not held by a store
 * that may never come back; the caller names what was given up.
 */
export class StoreRetries {
  private isClosing = false;
  /** Retry waits in progress, cut short by close. */
  private readonly sleepers = new Set<() => void>();

  constructor(private readonly delaysMs: readonly number[]) {}

  get hasClosed(): boolean {
    return this.isClosing;
  }

  /** Pending and future writes get one more attempt each, then give up. */
  close(): void {
    this.isClosing = true;
    for (const wake of this.sleepers) wake();
  }

  /**
   * Resolves null once `write` succeeded, or the last error and the attempts made once the writer
   * closed before the store took it. `isDone` says whether a refusal means the write is there after
   * all (an attempt whose answer was lost); `isSpent` tells it when this was the last chance.
   * `onSpent` runs once, when the waits are used up and the write is still refused.
   */
  async untilStored(
    write: () => Promise<unknown>,
    hooks: {
      isDone?: (error: unknown, isSpent: boolean) => Promise<boolean> | boolean;
      onSpent?: (error: unknown) => void;
    } = {},
  ): Promise<{ attempts: number; error: unknown } | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        await write();
        return null;
      } catch (error) {
        const isSpent = this.isClosing || attempt === this.delaysMs.length;
        if (await hooks.isDone?.(error, isSpent)) return null;
        if (this.isClosing) return { attempts: attempt + 1, error };
        if (attempt === this.delaysMs.length) hooks.onSpent?.(error);
        await this.sleep(this.delaysMs[Math.min(attempt, this.delaysMs.length - 1)] ?? 1000);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
