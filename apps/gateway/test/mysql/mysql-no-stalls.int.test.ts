import type { Connection } from "mysql2/promise";
import { afterEach, describe, expect, it } from "vitest";
import { PARSE_THREAD_HEAP_MB } from "../../src/parse-limits";
import { MASK_EMPLOYEE_EMAIL, type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";
import { sendFromChild } from "../support/mysql-statement-process";

/**
 * Issue 15 on the MySQL path: one session's large statements never stall another's. Each harness
 * is one kind of session that parses (no rule: the decision point's facts; a COLUMN rule: the
 * relay reads the statement to consult the catalog; a masking rule: the relay reads the masking
 * shape), and each big statement is sent as COM_QUERY and as COM_STMT_PREPARE, by an agent in a
 * process of its own (its TLS and packet building are not the gateway's). A small session runs
 * point SELECTs throughout; its latency while big statements are judged is compared with its
 * latency just before, in the same run, window by window (the machine's load moves both).
 *
 * Before: node-sql-parser ran on the event loop (a 1 MiB IN list takes it 1–3 s), so every other
 * session waited out each parse (the small session's p99 went from a few ms to seconds).
 */
const IN_LIST_BYTES = 1024 * 1024;
const LONG_STRING_BYTES = 8 * 1024 * 1024;
/**
 * How long point SELECTs are timed before each big statement: the window's own baseline. By time,
 * not count: the longest wait a window sees grows with its length (the machine's scheduler), so
 * the baseline lasts about as long as a big statement's window.
 */
const BASELINE_MS = 3_000;
/**
 * Scheduling noise on a shared 2-core machine: a p99 below this is not a stall, whatever the
 * baseline. A stall is the parse itself: on the event loop these statements made the bystander's
 * p99 612–1,964 ms under COLUMN and masking rules, so a floor of 50 ms still fails it by 6× and
 * more, while the masked bystander's p99 with the parse off the loop read 72 ms against a 25 ms
 * floor's 59 ms bound once, at a load of 10 (the machine's, not the gateway's).
 */
const NOISE_FLOOR_MS = 50;
/**
 * The same for the longest wait of a run. On the event loop one parse made a bystander wait
 * 3.2–3.8 s, the case the p99 alone misses when the session has no rules (its p99 stayed under
 * 8 ms); off it, a preemption at a load of 13 reached 232 ms. 4× a 250 ms floor is 1 s.
 */
const LONGEST_WAIT_FLOOR_MS = 250;

function inList(head: string, bytes: number): string {
  const items: string[] = [];
  let length = head.length;
  for (let i = 0; length < bytes; i++) {
    const item = String(100_000 + i);
    items.push(item);
    length += item.length + 1;
  }
  return `${head}${items.join(",")})`;
}

type Sampler = { stop: () => Promise<number[]> };

/**
 * Point SELECTs on `small`, one after another, each one's latency in ms, until stopped; the first
 * one that fails ends the sampling and fails `stop` (never an unhandled rejection mid-window).
 */
function sample(small: Connection): Sampler {
  const latencies: number[] = [];
  let isRunning = true;
  const loop = (async () => {
    while (isRunning) {
      const started = performance.now();
      await small.query("SELECT name FROM employees WHERE id = 1");
      latencies.push(performance.now() - started);
    }
  })();
  loop.catch(() => {}); // seen by stop()
  return {
    stop: async () => {
      isRunning = false;
      await loop;
      return latencies;
    },
  };
}

async function timed(small: Connection, count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await small.query("SELECT name FROM employees WHERE id = 1");
    latencies.push(performance.now() - started);
  }
  return latencies;
}

function p99(latencies: number[]): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? Number.NaN;
}

type Window = { what: string; baseline: number[]; loaded: number[]; ms: number };

/**
 * For each statement and each way of sending it: the small session's baseline, then its latencies
 * while the big session's statement is judged (and run when allowed). `outcome` says how the big
 * statement ended (its error code, or "ok").
 */
async function measure(
  harness: MySqlHarness,
  statements: Array<{ what: string; sql: string }>,
): Promise<{ windows: Window[]; outcomes: string[]; peakRssGrowthMb: number }> {
  // The gateway runs in this process: its resident memory, sampled while the statements are judged.
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const rssSampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 50);
  const small = await harness.connectAgent();
  small.on("error", () => {}); // a failed query rejects its own promise
  const login = {
    port: harness.port,
    user: harness.agentName,
    password: harness.token,
    caFile: harness.caFile,
  };
  // Warm before anything is timed: the small session (catalog read, TLS done), and the parse
  // thread (started, MySQL's grammar loaded) with a statement just over the offload threshold.
  await timed(small, 5);
  await sendFromChild(login, inList("SELECT id FROM employees WHERE id IN (", 32 * 1024), "query");
  const windows: Window[] = [];
  const outcomes: string[] = [];
  for (const { what, sql } of statements) {
    for (const via of ["query", "prepare"] as const) {
      const baselineSampler = sample(small);
      await new Promise((resolve) => setTimeout(resolve, BASELINE_MS));
      const baseline = await baselineSampler.stop();
      const sampler = sample(small);
      const started = performance.now();
      const outcome = await sendFromChild(login, sql, via);
      const ms = performance.now() - started;
      const loaded = await sampler.stop();
      outcomes.push(`${what} ${via}: ${outcome}`);
      windows.push({ what: `${what} ${via}`, baseline, loaded, ms });
    }
  }
  // The gateway carries on.
  expect(await sendFromChild(login, "SELECT 2", "query")).toBe("ok");
  await small.end();
  clearInterval(rssSampler);
  return { windows, outcomes, peakRssGrowthMb: (rssPeak - rssBefore) / 1024 / 1024 };
}

/** The largest sample: a spread into Math.max overflows the stack past ~100k samples (a busy run's). */
function longest(samples: number[]): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const sample of samples) if (sample > max) max = sample;
  return max;
}

function report(name: string, windows: Window[], peakRssGrowthMb: number): void {
  const line = (what: string, baseline: number[], loaded: number[], ms: string) =>
    console.log(
      `[mysql-no-stalls] ${name} ${what}:${ms} small p99 ${p99(baseline).toFixed(1)} → ${p99(loaded).toFixed(1)} ms, longest wait ${longest(baseline).toFixed(1)} → ${longest(loaded).toFixed(1)} ms (${baseline.length} → ${loaded.length} samples)`,
    );
  for (const w of windows) line(w.what, w.baseline, w.loaded, ` ${w.ms.toFixed(0)} ms,`);
  line(
    "all",
    windows.flatMap((w) => w.baseline),
    windows.flatMap((w) => w.loaded),
    "",
  );
  console.log(`[mysql-no-stalls] ${name}: peak RSS growth ${peakRssGrowthMb.toFixed(0)} MB`);
}

/**
 * Over every window of the run (one window's baseline on a machine at a load of 13 moved between
 * 4 and 57 ms from one window to the next; pooled, it does not): the small session's p99 within 2×
 * of its baseline's (issue 15's target; a p99 under the noise floor counts as the floor), and its
 * longest wait within 4× of the longest baseline wait. The second is what catches a stall when the
 * session's own queries are quick: a parse on the event loop is one query waiting seconds among
 * thousands of sub-millisecond ones, outside any p99 of them, while every session waits it out.
 */
function expectNoStall(windows: Window[], peakRssGrowthMb: number): void {
  for (const w of windows) {
    // Another session kept completing queries while each big one was judged.
    expect(w.loaded.length, w.what).toBeGreaterThanOrEqual(Math.min(20, w.ms / 50));
  }
  const baseline = windows.flatMap((w) => w.baseline);
  const loaded = windows.flatMap((w) => w.loaded);
  expect(p99(loaded), "p99").toBeLessThanOrEqual(2 * Math.max(p99(baseline), NOISE_FLOOR_MS));
  expect(longest(loaded), "longest wait").toBeLessThanOrEqual(
    4 * Math.max(longest(baseline), LONGEST_WAIT_FLOOR_MS),
  );
  // Memory bounded: a parse thread's heap is capped, and nothing of a statement is kept after it.
  expect(peakRssGrowthMb).toBeLessThan(PARSE_THREAD_HEAP_MB + 256);
}

/** Each test's harness, stopped after it (its parse thread and heap with it). */
let started: MySqlHarness | null = null;
async function harnessWith(...args: Parameters<typeof startMySqlHarness>): Promise<MySqlHarness> {
  started = await startMySqlHarness(...args);
  return started;
}
afterEach(async () => {
  await started?.stop();
  started = null;
});

describe("large MySQL statements never stall other sessions", () => {
  it("a session without rules: the decision point's parse", async () => {
    const harness = await harnessWith();
    const { windows, outcomes, peakRssGrowthMb } = await measure(harness, [
      { what: "1 MiB IN list", sql: inList("SELECT id FROM employees WHERE id IN (", IN_LIST_BYTES) },
      {
        what: "8 MiB string",
        sql: `SELECT id FROM employees WHERE name = '${"x".repeat(LONG_STRING_BYTES)}'`,
      },
    ]);
    report("no rules", windows, peakRssGrowthMb);
    expect(outcomes.map((outcome) => outcome.split(": ")[1])).toEqual(["ok", "ok", "ok", "ok"]);
    expectNoStall(windows, peakRssGrowthMb);
  }, 240_000);

  it("a session under a COLUMN rule: the relay's reading for the catalog", async () => {
    const harness = await harnessWith({
      guardrails: [
        { name: "no-salary", kind: "COLUMN", effect: "DENY", match: { columns: ["employees.salary"] } },
      ],
    });
    const { windows, outcomes, peakRssGrowthMb } = await measure(harness, [
      { what: "1 MiB IN list", sql: inList("SELECT salary FROM employees WHERE id IN (", IN_LIST_BYTES) },
      {
        what: "8 MiB string",
        sql: `SELECT salary FROM employees WHERE name = '${"x".repeat(LONG_STRING_BYTES)}'`,
      },
    ]);
    report("COLUMN rule", windows, peakRssGrowthMb);
    // Judged (refused for the denied column), not dropped or crashed on.
    expect(outcomes.map((outcome) => outcome.split(": ")[1])).toEqual(["1227", "1227", "1227", "1227"]);
    expectNoStall(windows, peakRssGrowthMb);
  }, 240_000);

  it("a session under a masking rule: the relay's masking shape", async () => {
    const harness = await harnessWith({ masking: [MASK_EMPLOYEE_EMAIL] });
    const { windows, outcomes, peakRssGrowthMb } = await measure(harness, [
      { what: "1 MiB IN list", sql: inList("SELECT email FROM employees WHERE id IN (1, ", IN_LIST_BYTES) },
      {
        what: "8 MiB string",
        sql: `SELECT email FROM employees WHERE name = '${"x".repeat(LONG_STRING_BYTES)}'`,
      },
    ]);
    report("masking rule", windows, peakRssGrowthMb);
    expect(outcomes.map((outcome) => outcome.split(": ")[1])).toEqual(["ok", "ok", "ok", "ok"]);
    expectNoStall(windows, peakRssGrowthMb);
    // The large statement's rows are still masked.
    const agent = await harness.connectAgent();
    const [rows] = await agent.query(inList("SELECT email FROM employees WHERE id IN (1, ", IN_LIST_BYTES));
    expect(rows).toEqual([{ email: expect.not.stringContaining("ada@example.com") }]);
    await agent.end();
  }, 240_000);
});

describe("the MySQL statement size limit", () => {
  it("refuses a statement over the configured limit before reading it, and the session goes on", async () => {
    const limit = 256 * 1024;
    const harness = await harnessWith({ masking: [MASK_EMPLOYEE_EMAIL] }, { maxStatementBytes: limit });
    const agent = await harness.connectAgent();
    const over = inList("SELECT email FROM employees WHERE id IN (", limit + 1);
    for (const send of [() => agent.query(over), () => agent.prepare(over)]) {
      const refused = (await send().catch((error: unknown) => error)) as {
        errno?: number;
        sqlState?: string;
        message?: string;
      };
      expect(refused).toMatchObject({ errno: 1227, sqlState: "42000" });
      expect(refused.message).toMatch(
        new RegExp(
          `^statement too long: ${Buffer.byteLength(over)} bytes, the gateway judges at most ${limit} \\(hint: `,
        ),
      );
    }
    // One byte under the limit is judged (and run: its rows masked).
    const [rows] = await agent.query(inList("SELECT email FROM employees WHERE id IN (1, ", limit - 8));
    expect(rows).toEqual([{ email: expect.not.stringContaining("ada@example.com") }]);
    const [after] = await agent.query("SELECT 3 AS ok");
    expect(after).toEqual([{ ok: 3 }]);
    expect(
      harness.verdicts.some(
        ({ verdict }) => verdict.kind === "deny" && verdict.rule === "sluice:statement-too-long",
      ),
    ).toBe(true);
    await agent.end();
  }, 120_000);
});
