/**
 * Decision time per statement, parse included: the policy engine with the demo's guardrails and
 * review rule over typical agent statements. Three paths: a statement never seen (full parse), the
 * same statement again (exact cache), and the same shape with new constants (normalized cache).
 * Writes percentiles into docs/benchmarks.md. Target: p50 ≤ 50 µs.
 *
 *   ./node_modules/.bin/tsx bench/decision-time.ts
 */
// As the gateway runs: WebAssembly on the baseline compiler only.
import "../apps/gateway/src/wasm-baseline-only";
import os from "node:os";
import path from "node:path";
import { evaluate } from "../packages/policy/src/engine";
import { FactsCache } from "../packages/policy/src/facts-cache";
import { type ConnectionPolicy, parseGuardrail } from "../packages/policy/src/rules";
import { PolicySessionState } from "../packages/policy/src/session-state";
import { loadParser, parseStatements } from "../packages/sql/src/parser";
import { table, writeSection } from "./lib/markdown-section";

const ROUNDS = 200;

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

const POLICY: ConnectionPolicy = {
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
};

function percentiles(samples: number[]): { p50: number; p95: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

function measure(decide: (sql: string) => void, sqlFor: (round: number, i: number) => string): number[] {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i] of STATEMENTS.entries()) {
      const sql = sqlFor(round, i);
      const start = process.hrtime.bigint();
      decide(sql);
      samples.push(Number(process.hrtime.bigint() - start) / 1000);
    }
  }
  return samples;
}

async function main() {
  await loadParser();
  const state = new PolicySessionState("app");
  const uncached = (sql: string) => evaluate(POLICY, parseStatements(sql), state);
  const cache = new FactsCache();
  const cached = (sql: string) => evaluate(POLICY, cache.parse(sql), state);
  const statement = (round: number, i: number) => (STATEMENTS[i] as (n: number) => string)(round);
  measure(uncached, statement); // warm up the parser and the JIT
  const neverSeen = measure(uncached, (round, i) => statement(round + 1000, i));
  measure(cached, (_round, i) => statement(7, i)); // fill the exact cache
  const exactHit = measure(cached, (_round, i) => statement(7, i));
  measure(cached, statement); // teach the normalized cache each statement's shape
  const shapeHit = measure(cached, (round, i) => statement(round + 5000, i));
  const rows = [
    ["never seen (parse + facts + engine)", neverSeen],
    ["same statement again (exact cache)", exactHit],
    ["same shape, new constants (normalized cache)", shapeHit],
  ] as const;
  const body = rows.map(([name, samples]) => {
    const p = percentiles([...samples]);
    return [name, p.p50.toFixed(1), p.p95.toFixed(1), p.p99.toFixed(1)];
  });
  for (const row of body) console.log(row.join("  "));
  writeSection(
    path.resolve(import.meta.dirname, "../docs/benchmarks.md"),
    "decision",
    `## Decision time per statement

${new Date().toISOString().slice(0, 10)} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? "CPU"} · Node ${process.version} · \`bench/decision-time.ts\`.
${STATEMENTS.length} typical agent statements × ${ROUNDS} rounds through the policy engine with the demo's four guardrails and
its review rule; the time includes PostgreSQL's parser (libpg-query, WebAssembly) where the path parses. Target: p50 ≤ 50 µs.

${table(["path", "p50 µs", "p95 µs", "p99 µs"], body)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
