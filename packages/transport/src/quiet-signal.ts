/**
 * Lets a shutdown wait until a connection has nothing in flight: the connection reports each step
 * of progress, and the wait ends at the first report after which `isQuiet` holds, or after its cap.
 */
export class QuietSignal {
  private onQuiet: (() => void) | null = null;

  constructor(private readonly isQuiet: () => boolean) {}

  /** Resolves once quiet (at once if already), or after `capMs` at most. */
  wait(capMs: number): Promise<void> {
    if (this.isQuiet()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, capMs);
      this.onQuiet = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Something was read, written or settled: ends a wait that is now satisfied. */
  progress(): void {
    const onQuiet = this.onQuiet;
    if (!onQuiet || !this.isQuiet()) return;
    this.onQuiet = null;
    onQuiet();
  }
}
