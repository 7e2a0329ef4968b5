/** Transactions per allocation measure: few enough that a 64 MiB young generation holds them all. */
const TRANSACTIONS = 10_000;

/** V8's collector, when the process was started with --expose-gc. */
const collect = (globalThis as { gc?: () => void }).gc;

/**
 * Bytes of JavaScript heap `work` allocates per run: the heap's growth over `TRANSACTIONS` runs,
 * from a collected heap. Only exact while no collection runs in between, so it needs the young
 * generation made large (`--min-semi-space-size=64`); a collection would make it read low, never high.
 */
export function allocatedBytes(work: () => void): number {
  if (!collect) throw new Error("allocatedBytes needs node --expose-gc");
  // Compiled and settled first: the bytes of a steady transaction, not of its first runs.
  for (let i = 0; i < 1000; i += 1) work();
  collect();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < TRANSACTIONS; i += 1) work();
  return (process.memoryUsage().heapUsed - before) / TRANSACTIONS;
}

allocatedBytes.isAvailable = collect !== undefined;
