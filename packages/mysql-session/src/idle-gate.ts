/**
 * Holds commands back while an answer is in flight. MySQL is request/response, but a client may
 * send its next command before the answer to the last one is complete; judged and forwarded then,
 * it would replace the answer's reader, and the rest of that answer would be masked by the next
 * command's plan (a computed column of masked values came back in clear that way).
 */
export class IdleGate {
  private waiters: Array<() => void> = [];

  /** Resolves at once when idle, else when `open` is next called. */
  wait(isBusy: boolean): Promise<void> {
    if (!isBusy) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  open(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
