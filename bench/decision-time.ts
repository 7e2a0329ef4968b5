/**
 * Decision time per statement, parse included: the policy engine with the demo's guardrails and
 * review rule over typical agent statements. Four paths: a statement never seen (full parse), the
 * same statement again (exact cache), the same shape with new constants (normalized cache), and a
 * shape never seen through the facts cache, as the gateway meets it (its shape read, then parsed).
 * Writes percentiles into docs/benchmarks.md. Target: p50 ≤ 50 µs.
 *
 *   ./node_modules/.bin/tsx bench/decision-time.ts
 *   ./node_modules/.bin/tsx bench/decision-time.ts --baseline /tmp/baseline   # side by side
 *
 * With `--baseline <dir>` (a checkout of another commit made by `bench/make-baseline.sh`), the same
 * paths of that commit's parser and engine run in the same process, interleaved statement by
 * statement with this checkout's (the order swapped every round), so machine noise hits both alike;
 * the section then shows both and their ratio.
 */
import os from "node:os";
import path from "node:path";
import type { ConnectionPolicy } from "../packages/policy/src/rules";
import { table, writeSection } from "./lib/markdown-section";

const ROUNDS = 200;
/**
 * The parser's hot functions are compiled again by TurboFan in background threads, a few seconds
 * after they start running on a loaded machine: warmed this long, the bench reads the steady state
 * a running gateway is in, not the first seconds after its start.
 */
const WARM_UP_MS = 3_000;

const STATEMENTS = [
  (n: number) => `SELECT id, first_name, last_name FROM customers WHERE id = ${n}`,
  (n: number) =>
    `SELECT c.first_name, count(o.id) FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.state = 'TX' AND o.total_cents > ${n} GROUP BY c.first_name ORDER BY 2 DESC LIMIT 10`,
  (n: number) =>
    `WITH recent AS (SELECT * FROM orders WHERE ordered_at > now() - interval '${n % 90} days') SELECT status, sum(total_cents) FROM recent GROUP BY status`,
  (n: number) =>
    `INSERT INTO orders (customer_id, product_id, quantity, total_cents, status, ordered_at) VALUES (${n}, 3, 2, 4200, 'pending', now())`,
  (n: number) => `UPDATE orders SET status = 'shipped' WHERE id = ${n}`,
  (n: number) => `DELETE FROM orders WHERE id = ${n} AND status = 'pending'`,
  (n: number) =>
    `SELECT p.name, avg(o.quantity) FROM products p LEFT JOIN orders o ON o.product_id = p.id WHERE p.price_cents < ${n} GROUP BY p.name`,
  (n: number) => `SELECT first_name FROM employees WHERE department = 'Sales' AND id > ${n}`,
];

/** The decision modules of one checkout: this one, or the baseline's. */
type Decider = {
  uncached: (sql: string) => void;
  cached: (sql: string) => void;
};

async function loadDecider(root: string): Promise<Decider> {
  const at = (module: string) => path.join(root, module);
  const { evaluate } = await import(at("packages/policy/src/engine.ts"));
  const { FactsCache } = await import(at("packages/policy/src/facts-cache.ts"));
  const { parseGuardrail } = await import(at("packages/policy/src/rules.ts"));
  const { PolicySessionState } = await import(at("packages/policy/src/session-state.ts"));
  const { loadParser, parseStatements } = await import(at("packages/sql/src/parser.ts"));
  await loadParser();
  const policy = policyOf(parseGuardrail);
  const state = new PolicySessionState("app");
  const cache = new FactsCache();
  return {
    uncached: (sql) => evaluate(policy, parseStatements(sql), state),
    cached: (sql) => evaluate(policy, cache.parse(sql), state),
  };
}

const policyOf = (
  parseGuardrail: (input: unknown) => ConnectionPolicy["guardrails"][number],
): ConnectionPolicy => ({
  connectionName: "demo_shop",
  isReadOnly: false,
  guardrails: [
    parseGuardrail({
      name: "no-drop-truncate",
      kind: "STATEMENT_KIND",
      effect: "DENY",
      match: { kinds: ["DROP", "TRUNCATE"] },
    }),
    parseGuardrail({
      name: "no-unscoped-delete",
      kind: "MISSING_WHERE",
      effect: "DENY",
      match: { kinds: ["DELETE"] },
    }),
    parseGuardrail({
      name: "no-unscoped-update",
      kind: "MISSING_WHERE",
      effect: "DENY",
      match: { kinds: ["UPDATE"] },
    }),
    parseGuardrail({
      name: "no-file-functions",
      kind: "FUNCTION",
      effect: "DENY",
      match: { functions: ["pg_read_file", "lo_import", "lo_export"] },
    }),
  ],
  reviews: [
    {
      name: "salary-reads",
      match: { columns: ["public.employees.salary"] },
      reviewerGroups: ["finance-leads"],
    },
  ],
});

/**
 * The statement made into a shape of its own: an unused CTE named after `n` (PostgreSQL takes one
 * before SELECT, INSERT, UPDATE and DELETE alike), so every `n` misses every cache.
 */
function newShape(sql: string, n: number): string {
  const cte = `s${n} AS (SELECT 1)`;
  return sql.startsWith("WITH ") ? sql.replace("WITH ", `WITH ${cte}, `) : `WITH ${cte} ${sql}`;
}

function percentiles(samples: number[]): { p50: number; p95: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

type Samples = { current: number[]; baseline: number[] };

/** Each statement timed on both checkouts back to back, which one goes first swapped every round. */
function measure(
  deciders: { current: Decider; baseline: Decider | null },
  path: keyof Decider,
  sqlFor: (round: number, i: number) => string,
): Samples {
  const samples: Samples = { current: [], baseline: [] };
  const time = (decider: Decider, sql: string, into: number[]) => {
    const start = process.hrtime.bigint();
    decider[path](sql);
    into.push(Number(process.hrtime.bigint() - start) / 1000);
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i] of STATEMENTS.entries()) {
      const sql = sqlFor(round, i);
      const { current, baseline } = deciders;
      if (baseline && round % 2 === 0) time(baseline, sql, samples.baseline);
      time(current, sql, samples.current);
      if (baseline && round % 2 === 1) time(baseline, sql, samples.baseline);
    }
  }
  return samples;
}

async function main() {
  const at = process.argv.indexOf("--baseline");
  const baselineRoot = at > 0 ? path.resolve(process.argv[at + 1] ?? "") : null;
  // As the gateway runs (apps/gateway/src/wasm-tiers.ts): the parser may tier up to TurboFan, any
  // WebAssembly compiled after it stays on Liftoff. The baseline's parser is compiled first, so
  // both checkouts' parsers run on the same tiers and the ratio compares code, not compilers.
  const baseline = baselineRoot ? await loadDecider(baselineRoot) : null;
  await import("../apps/gateway/src/wasm-tiers");
  const current = await loadDecider(path.resolve(import.meta.dirname, ".."));
  const deciders = { current, baseline };
  const statement = (round: number, i: number) => (STATEMENTS[i] as (n: number) => string)(round);
  // Warm up the parser, its tier-up and the JIT, with statements the measured rounds do not repeat.
  const warmUpStarted = performance.now();
  for (let pass = 0; pass === 0 || performance.now() - warmUpStarted < WARM_UP_MS; pass++) {
    measure(deciders, "uncached", (round, i) => statement(100_000 + pass * ROUNDS + round, i));
  }
  const neverSeen = measure(deciders, "uncached", (round, i) => statement(round + 1000, i));
  measure(deciders, "cached", (_round, i) => statement(7, i)); // fill the exact cache
  const exactHit = measure(deciders, "cached", (_round, i) => statement(7, i));
  measure(deciders, "cached", statement); // teach the normalized cache each statement's shape
  const shapeHit = measure(deciders, "cached", (round, i) => statement(round + 5000, i));
  const newShapeOf = (offset: number) => (round: number, i: number) =>
    newShape(statement(round, i), round + offset);
  measure(deciders, "cached", newShapeOf(20_000)); // warm up the facts cache's miss path
  const shapeMiss = measure(deciders, "cached", newShapeOf(30_000));
  const rows = [
    ["never seen (parse + facts + engine)", neverSeen],
    ["same statement again (exact cache)", exactHit],
    ["same shape, new constants (normalized cache)", shapeHit],
    ["shape never seen (facts cache miss + engine)", shapeMiss],
  ] as const;
  const body = rows.map(([name, samples]) => {
    const p = percentiles(samples.current);
    const cells = [name, p.p50.toFixed(1), p.p95.toFixed(1), p.p99.toFixed(1)];
    if (!baseline) return cells;
    const b = percentiles(samples.baseline);
    return [...cells, b.p50.toFixed(1), (p.p50 / b.p50).toFixed(2)];
  });
  for (const row of body) console.log(row.join("  "));
  const headers = ["path", "p50 µs", "p95 µs", "p99 µs"];
  const load = os.loadavg()[0]?.toFixed(1);
  writeSection(
    path.resolve(import.meta.dirname, "../docs/benchmarks.md"),
    "decision",
    `## Decision time per statement

${new Date().toISOString().slice(0, 10)} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? "CPU"} · Node ${process.version} · load average ${load} (1 min) at the end · \`bench/decision-time.ts${baseline ? " --baseline" : ""}\`.
${STATEMENTS.length} typical agent statements × ${ROUNDS} rounds through the policy engine with the demo's four guardrails and
its review rule; the time includes PostgreSQL's parser (libpg-query, WebAssembly) where the path parses. Target: p50 ≤ 50 µs.${baseline ? "\nThe baseline is another commit's parser and engine, run interleaved in the same process; × is this checkout's p50 over the baseline's." : ""}

${table(baseline ? [...headers, "baseline p50 µs", "× baseline"] : headers, body)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
