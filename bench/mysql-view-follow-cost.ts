/**
 * What following MySQL views costs review and COLUMN rules, in process: the engine judging agent
 * statements (parsed once, as the relay hands them over) with the catalog's generated columns only
 * (as before views were followed) and with its view reads too, interleaved statement by statement
 * (which goes first swapped every round) so machine noise hits both alike; and building the view
 * reads from a catalog of 20 tables and 20 views (once per catalog read). Prints medians and ratios.
 *
 *   ./node_modules/.bin/tsx bench/mysql-view-follow-cost.ts
 */
import os from "node:os";
import { followedColumnsOf } from "../packages/mysql-session/src/followed-columns";
import { catalogOf } from "../packages/mysql-session/src/upstream-catalog";
import { parseMySql } from "../packages/mysql-sql/src/parse";
import { evaluate, type SessionContext } from "../packages/policy/src/engine";
import type { ConnectionPolicy } from "../packages/policy/src/rules";
import { PolicySessionState } from "../packages/policy/src/session-state";
import { loadParser } from "../packages/sql/src/parser";

const ROUNDS = 2_000;
const TABLES = 20;

const tables = Array.from({ length: TABLES }, (_, i) => ({
  schema: "shop",
  table: `t${i}`,
  type: "BASE TABLE",
}));
const views = Array.from({ length: TABLES }, (_, i) => ({
  schema: "shop",
  view: `v${i}`,
  definition:
    i === 0
      ? "select `shop`.`employees`.`id` AS `id`,`shop`.`employees`.`salary` AS `s` from `shop`.`employees`"
      : `select \`shop\`.\`t${i}\`.\`id\` AS \`id\`,\`shop\`.\`t${i}\`.\`name\` AS \`s\` from \`shop\`.\`t${i}\``,
}));
const catalogRows = () => [
  { schema: "shop", table: "employees", type: "BASE TABLE" },
  ...tables,
  ...views.map((view) => ({ schema: "shop", table: view.view, type: "VIEW" })),
];
const viewColumns = views.flatMap((view) => [
  { schema: "shop", view: view.view, column: "id", position: 1 },
  { schema: "shop", view: view.view, column: "s", position: 2 },
]);

const policy: ConnectionPolicy = {
  connectionName: "shop",
  isReadOnly: false,
  guardrails: [],
  reviews: [{ name: "salary-reads", match: { columns: ["employees.salary"] }, reviewerGroups: ["finance"] }],
};

const STATEMENTS = [
  "SELECT id, name FROM t3 WHERE id = 7",
  "SELECT s FROM v5 WHERE id = 7",
  "SELECT a.id FROM t1 a JOIN v2 b ON b.id = a.id JOIN t4 c ON c.id = a.id",
  "SELECT s FROM v0",
];

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main() {
  await loadParser();
  const catalog = catalogOf(catalogRows(), Date.now(), views, viewColumns, { triggers: [], columns: [] });
  const followed = followedColumnsOf(catalog);
  const state = new PolicySessionState("app");
  state.absorbStartupSettings([{ name: "search_path", value: "shop" }]);
  const before: SessionContext = {
    searchPath: state.searchPath,
    implicitSchemas: state.implicitSchemas,
    prepared: state.prepared,
    generated: followed.generated,
  };
  const after: SessionContext = { ...before, viewReads: followed.viewReads };
  const parsed = STATEMENTS.map((sql) => parseMySql(sql));
  const verdicts = parsed.map((p) => [evaluate(policy, p, before).kind, evaluate(policy, p, after).kind]);
  const samples = { before: [] as number[], after: [] as number[] };
  const time = (session: SessionContext, into: number[]) => {
    const start = process.hrtime.bigint();
    for (const p of parsed) evaluate(policy, p, session);
    into.push(Number(process.hrtime.bigint() - start) / 1_000);
  };
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      time(before, samples.before);
      time(after, samples.after);
    } else {
      time(after, samples.after);
      time(before, samples.before);
    }
  }
  // Each statement alone, the two sessions alternating.
  for (const [i, p] of parsed.entries()) {
    const per = { before: [] as number[], after: [] as number[] };
    for (let round = 0; round < 2000; round++) {
      for (const [session, into] of [
        [before, per.before],
        [after, per.after],
      ] as const) {
        const start = process.hrtime.bigint();
        evaluate(policy, p, session);
        into.push(Number(process.hrtime.bigint() - start) / 1_000);
      }
    }
    console.log(`  ${STATEMENTS[i]}: ${median(per.before).toFixed(2)} → ${median(per.after).toFixed(2)} µs`);
  }
  const builds: number[] = [];
  for (let round = 0; round < 200; round++) {
    const fresh = catalogOf(catalogRows(), Date.now(), views, viewColumns, { triggers: [], columns: [] });
    const start = process.hrtime.bigint();
    followedColumnsOf(fresh);
    builds.push(Number(process.hrtime.bigint() - start) / 1_000);
  }
  const [b, a] = [median(samples.before), median(samples.after)];
  console.log(
    `load average ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(" ")}, ${ROUNDS} interleaved rounds`,
  );
  console.log(`verdicts (generated only → with views): ${verdicts.map((v) => v.join("→")).join(", ")}`);
  console.log(
    `${STATEMENTS.length} statements judged: ${b.toFixed(1)} µs without views, ${a.toFixed(1)} µs with (×${(a / b).toFixed(2)})`,
  );
  console.log(`view reads built from a 20-view catalog: median ${median(builds).toFixed(1)} µs (200 builds)`);
}

void main();
