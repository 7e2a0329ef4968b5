/**
 * A check whose answer is never older than the call: a caller that arrives while one runs waits for
 * the next (which all such callers share) rather than taking an answer begun before it asked.
 */
export function sharedFromNow<T>(run: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | null = null;
  let next: Promise<T> | null = null;
  const start = (): Promise<T> => {
    const started = run();
    current = started;
    const clear = () => {
      if (current === started) current = null;
    };
    started.then(clear, clear);
    return started;
  };
  return () => {
    if (current === null) return start();
    if (next === null) {
      next = current
        .then(
          () => undefined,
          () => undefined,
        )
        .then(() => {
          next = null;
          return start();
        });
    }
    return next;
  };
}
