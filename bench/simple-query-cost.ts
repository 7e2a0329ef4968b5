/**
 * Where a simple-protocol Query's CPU goes inside the gateway, piece by piece, with a new constant
 * each time (pgbench -M simple -S: `SELECT abalance FROM pgbench_accounts WHERE aid = N;`) on the
 * demo-shaped policy (`relay-path-cost.ts`'s session: the demo's guardrails, masking and review
 * rules over pgbench's catalog): the quick shape, the facts cache, the session's decision, the
 * recording's statement text (literal redaction and detectors), its statement and verdict lines,
 * its copy of the answer, the drain to NDJSON and the chunk's compression, the relay and masker,
 * and all of them together as one transaction — for this checkout and, with a baseline checkout's
 * path, for that one, interleaved in one process, in CPU µs per transaction.
 *
 *   ./node_modules/.bin/tsx bench/simple-query-cost.ts [/path/to/baseline/checkout]
 *     BENCH_ROUNDS (default 7), BENCH_TRANSACTIONS per round (default 100000),
 *     BENCH_ONLY=text (only the measures whose name holds it)
 */
import path from "node:path";
import { cstr, tagged } from "../packages/wire/src/testing";
import { SIMPLE_ANSWER, simpleQueryRelay } from "./lib/simple-query-relay";
import { demoShapedSession, loadTree, type TreeModules } from "./lib/simple-query-tree";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 100_000);
const ONLY = process.env.BENCH_ONLY ?? "";
/** Distinct constants, made before the measure (a socket's read is a string of its own too). */
const DISTINCT = 100_000;
/** Transactions between drains: the recording writer drains a session once a second. */
const DRAIN_EVERY = 500;

const TEXTS = Array.from(
  { length: DISTINCT },
  (_, i) => `SELECT abalance FROM pgbench_accounts WHERE aid = ${i + 1};`,
);
/** The same shape with a string constant: the recording's redaction has a literal to find. */
const STRING_TEXTS = Array.from(
  { length: DISTINCT },
  (_, i) => `SELECT aid FROM pgbench_accounts WHERE filler = 'f${i + 1}';`,
);
const QUERIES = TEXTS.map((sql) => tagged("Q", cstr(sql)));
/** pgbench's statement with a string constant besides (a masked table's: its literals are redacted). */
const STRING_QUERIES = Array.from({ length: DISTINCT }, (_, i) =>
  tagged(
    "Q",
    cstr(`SELECT abalance FROM pgbench_accounts WHERE aid = ${i + 1} AND bid::text <> 'v${i + 1}';`),
  ),
);
const MASKED_TABLES = ["public.pgbench_accounts"];

/** CPU µs per transaction of `work(i)`, run `TRANSACTIONS` times. */
function timed(work: (i: number) => void): number {
  for (let i = 0; i < 2000; i += 1) work(i % DISTINCT);
  const before = process.cpuUsage();
  for (let i = 0; i < TRANSACTIONS; i += 1) work(i % DISTINCT);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / TRANSACTIONS;
}

function newRecorder(m: TreeModules) {
  return new m.recorder.SessionRecorder({ resultBytesCap: 1 << 20, redactLiterals: m.redact.redactLiterals });
}

/**
 * A simple transaction as the gateway runs it on a recorded, masked connection: the relay and the
 * masker, the verdict hook's statement and verdict lines, the answer's copy, and the recording
 * writer's drain and compression once a second (here every DRAIN_EVERY transactions).
 */
function wholeTransactions(m: TreeModules, queries: readonly Buffer[]): number {
  const recorder = newRecorder(m);
  const transaction = simpleQueryRelay(m, demoShapedSession(m, true), {
    onVerdict: (sql, verdict) =>
      recorder.verdict(
        sql,
        verdict.kind === "allow"
          ? { kind: "allow", maskedTables: verdict.maskedTables ?? [] }
          : { kind: verdict.kind, rule: verdict.rule, message: verdict.message },
        false,
      ),
    onClientBytes: (bytes) => recorder.toClientBytes(bytes),
  });
  return timed((i) => {
    transaction(queries[i] as Buffer);
    if (i % DRAIN_EVERY === 0) void m.chunkCodec.packChunk(recorder.drainBytes().bytes);
  });
}

function measures(m: TreeModules): Record<string, () => number> {
  return {
    "quick shape": () => timed((i) => void m.quickShape.quickShape(TEXTS[i] as string)),
    "facts cache (cached shape)": () => {
      const cache = new m.factsCache.FactsCache();
      return timed((i) => void cache.parse(TEXTS[i] as string));
    },
    "session decision": () => {
      const session = demoShapedSession(m);
      return timed((i) => {
        const verdict = session.decide({ sql: TEXTS[i] as string, via: "simple", isUpstreamSettled: true });
        if (verdict instanceof Promise || verdict.kind !== "allow")
          throw new Error("not a synchronous allow");
      });
    },
    "statement text as recorded (literals, detectors)": () =>
      timed((i) => void m.redactStatement.redactStatement(TEXTS[i] as string, m.redact.redactLiterals)),
    "statement text as recorded, a string constant": () =>
      timed(
        (i) => void m.redactStatement.redactStatement(STRING_TEXTS[i] as string, m.redact.redactLiterals),
      ),
    "facts and the statement text as recorded, a string constant": () => {
      // Both read the same text one after the other, as the decision and its verdict hook do.
      const cache = new m.factsCache.FactsCache();
      return timed((i) => {
        const sql = STRING_TEXTS[i] as string;
        cache.parse(sql);
        m.redactStatement.redactStatement(sql, m.redact.redactLiterals);
      });
    },
    "recording: statement and verdict lines": () => {
      const recorder = newRecorder(m);
      return timed((i) => {
        recorder.verdict(TEXTS[i] as string, { kind: "allow", maskedTables: MASKED_TABLES }, false);
        if (i % DRAIN_EVERY === 0) recorder.drainBytes();
      });
    },
    "recording: the answer's copy": () => {
      const recorder = newRecorder(m);
      return timed((i) => {
        recorder.toClientBytes(SIMPLE_ANSWER);
        if (i % DRAIN_EVERY === 0) recorder.drainBytes();
      });
    },
    "relay and masker (decided by the session)": () => {
      const transaction = simpleQueryRelay(m, demoShapedSession(m, true));
      return timed((i) => transaction(QUERIES[i] as Buffer));
    },
    "whole: relay, masker, recording, drain and compression": () => wholeTransactions(m, QUERIES),
    "whole, a string constant in the statement": () => wholeTransactions(m, STRING_QUERIES),
  };
}

async function main() {
  const here = path.resolve(import.meta.dirname, "..");
  const trees: [string, TreeModules][] = [["this tree", await loadTree(here)]];
  const baseline = process.argv[2];
  if (baseline) trees.push([`baseline (${baseline})`, await loadTree(path.resolve(baseline))]);
  const results = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [tree, modules] of trees) {
      for (const [name, run] of Object.entries(measures(modules))) {
        if (!name.includes(ONLY)) continue;
        const key = `${name}|${tree}`;
        results.set(key, [...(results.get(key) ?? []), run()]);
      }
    }
  }
  const medians = new Map<string, number>();
  console.log("| measure | tree | µs/txn median (range) | × baseline |\n| --- | --- | --- | --- |");
  for (const [key, values] of results) {
    const [name, tree] = key.split("|") as [string, string];
    const sorted = [...values].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] as number;
    medians.set(key, median);
    const base = baseline ? medians.get(`${name}|baseline (${baseline})`) : undefined;
    const thisTree = medians.get(`${name}|this tree`);
    const ratio = base !== undefined && thisTree !== undefined ? (thisTree / base).toFixed(3) : "";
    console.log(
      `| ${name} | ${tree} | ${median.toFixed(3)} (${(sorted[0] as number).toFixed(3)}–${(sorted.at(-1) as number).toFixed(3)}) | ${ratio} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
