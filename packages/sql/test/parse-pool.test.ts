import { existsSync, readdirSync, readFileSync } from "node:fs";
import { ParsePool, ParsePoolError } from "@sluice/sql/parse-pool";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let pool: ParsePool;
beforeAll(async () => {
  await loadParser();
  pool = new ParsePool({ size: 1, maxQueued: 2, workerHeapMb: 256 });
});
afterAll(() => pool.close());

describe("ParsePool", () => {
  it("starts a thread with the first statement that needs one, not before", async () => {
    const lazy = new ParsePool({ size: 2, maxQueued: 1, workerHeapMb: 64 });
    try {
      expect(lazy.threads()).toBe(0);
      expect(await lazy.parse("SELECT 1")).toEqual(parseStatements("SELECT 1"));
      expect(lazy.threads()).toBe(1);
      // The idle thread takes the next statement: no second one for statements one after another.
      await lazy.parse("SELECT 2");
      expect(lazy.threads()).toBe(1);
      await Promise.all([lazy.parse("SELECT 3"), lazy.parse("SELECT 4")]);
      expect(lazy.threads()).toBe(2);
    } finally {
      await lazy.close();
    }
  });

  it("gives the same facts as parsing on the event loop, and the same parse errors", async () => {
    for (const sql of [
      "SELECT id, email FROM customers WHERE id IN (1, 2, 3)",
      "UPDATE orders SET total = 0; SET search_path = x",
      "SELEC nothing",
    ]) {
      expect(await pool.parse(sql)).toEqual(parseStatements(sql));
    }
  });

  it("refuses beyond its queue at once instead of growing", async () => {
    const big = `SELECT 1 WHERE 1 IN (${Array.from({ length: 50_000 }, (_, i) => i).join(",")})`;
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map(() => pool.parse(big)));
    const refused = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(3);
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ isBusy: true });
    expect(pool.load()).toEqual({ running: 0, queued: 0 });
  }, 60_000);

  it("fails a statement whose worker dies, and keeps serving with a fresh one", async () => {
    const tiny = new ParsePool({ size: 1, maxQueued: 1, workerHeapMb: 16 });
    try {
      const huge = `SELECT 1 WHERE 1 IN (${Array.from({ length: 100_000 }, (_, i) => i).join(",")})`;
      const failed = await tiny.parse(huge).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(ParsePoolError);
      expect(await tiny.parse("SELECT 1")).toEqual(parseStatements("SELECT 1"));
    } finally {
      await tiny.close();
    }
  }, 60_000);

  it.skipIf(!existsSync("/proc/thread-self"))("runs its threads at the lowest priority (Linux)", async () => {
    await pool.parse("SELECT 1");
    // Field 19 of a thread's stat is its nice value; the gateway's own threads keep the process's.
    const nices = readdirSync("/proc/self/task").map(
      (thread) => readFileSync(`/proc/self/task/${thread}/stat`, "utf8").split(") ")[1]?.split(" ")[16],
    );
    expect(nices).toContain("19");
    expect(nices.filter((nice) => nice === "19").length).toBeLessThan(nices.length);
  });
});
