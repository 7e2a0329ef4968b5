/**
 * The sessions list with tens of thousands of sessions: the time for the first page, filtered
 * pages and a page deep in the keyset, as the console's API serves them. Writes the table into
 * docs/benchmarks.md.
 *
 *   ./node_modules/.bin/tsx bench/sessions-list.ts      (BENCH_SESSIONS, default 50000)
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { listSessions } from "../packages/admin/src/activity";
import type { AdminContext } from "../packages/admin/src/actor";
import { withDatabase } from "../packages/db/src/demo/demo-shop";
import { startEmbeddedPostgres } from "../packages/db/src/embedded-postgres";
import { migrate } from "../packages/db/src/migrations";
import { createPrisma } from "../packages/db/src/prisma";
import { createCleanup } from "./lib/cleanup";
import { freePort } from "./lib/free-port";
import { describeMachine } from "./lib/machine";
import { table, writeSection } from "./lib/markdown-section";

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 50_000);
const REPEATS = 20;
const REPORT = path.resolve(import.meta.dirname, "../docs/benchmarks.md");

async function main() {
  const cleanup = createCleanup();
  try {
    const home = mkdtempSync(path.join(tmpdir(), "sluice-bench-sessions-"));
    cleanup.add(() => rmSync(home, { recursive: true, force: true }));
    chmodSync(home, 0o755);
    const server = await startEmbeddedPostgres({
      dataDir: path.join(home, "pg"),
      port: await freePort(),
      portSetting: "(bench: a free port)",
      isEphemeral: true,
      onLog: () => {},
    });
    cleanup.add(() => server.stop());
    const admin = createPrisma(server.url);
    await admin.$executeRawUnsafe("CREATE DATABASE sluice");
    await admin.$disconnect();
    const url = withDatabase(server.url, "sluice");
    await migrate({ databaseUrl: url });
    const prisma = createPrisma(url);
    cleanup.add(() => prisma.$disconnect());
    await seed(prisma);
    const user = await prisma.user.create({
      data: { issuer: "bench", subject: "auditor", email: "auditor@bench", roles: ["AUDITOR"] },
    });
    const context: AdminContext = {
      db: prisma,
      actor: { kind: "USER", userId: user.id, name: user.email, roles: ["AUDITOR"] },
      secretKey: Buffer.alloc(32),
    };
    let deep: string | null = null;
    let page: string | null = null;
    for (let i = 0; i < 200 && (i === 0 || page); i++) {
      const result: { next: string | null } = await listSessions(context, {
        query: page ? { before: page } : {},
      });
      page = result.next;
      if (i === 199) deep = page;
    }
    const cases: [string, Record<string, string>][] = [
      ["newest page", {}],
      ["one agent", { agent: "agent-7" }],
      ["one connection, denials only", { connection: "conn-3", verdict: "denied" }],
      ["table touched", { table: "public.orders" }],
      ["last 24 hours", { from: new Date(Date.now() - 86_400_000).toISOString() }],
      ["page 200 (keyset)", deep ? { before: deep } : {}],
    ];
    const rows: string[][] = [];
    for (const [label, query] of cases) {
      const times: number[] = [];
      for (let i = 0; i < REPEATS; i++) {
        const started = performance.now();
        await listSessions(context, { query });
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      rows.push([
        label,
        (times[Math.floor(times.length / 2)] as number).toFixed(1),
        (times[Math.floor(times.length * 0.9)] as number).toFixed(1),
      ]);
    }
    const body = [
      "## Finding sessions",
      "",
      `\`bench/sessions-list.ts\`: the console's sessions list (\`GET /api/v1/sessions\`, 50 per page, keyset paging) over ${SESSIONS.toLocaleString("en-US")} sessions of 20 agents on 5 connections spread over 90 days, median and p90 of ${REPEATS} calls. ${describeMachine("18")}.`,
      "",
      table(["query", "median ms", "p90 ms"], rows),
    ].join("\n");
    writeSection(REPORT, "sessions-list", body);
    console.log(body);
  } finally {
    await cleanup.run();
  }
}

async function seed(prisma: ReturnType<typeof createPrisma>) {
  for (let i = 0; i < 20; i++) await prisma.agent.create({ data: { id: `a${i}`, name: `agent-${i}` } });
  for (let i = 0; i < 5; i++) {
    await prisma.connection.create({
      data: { id: `c${i}`, name: `conn-${i}`, host: "h", port: 5432, database: "d", username: "u" },
    });
  }
  await prisma.$executeRawUnsafe(`
    INSERT INTO gateway_sessions (id, agent_id, connection_id, gateway_id, client_address, started_at, ended_at,
                                  statement_count, denied_count, held_count, masked_count, tables_touched, agent_groups)
    SELECT 's' || g, 'a' || (g % 20), 'c' || (g % 5), 'bench', '127.0.0.1',
           now() - (g * (90 * 86400.0 / ${SESSIONS})) * interval '1 second',
           now() - (g * (90 * 86400.0 / ${SESSIONS}) - 60) * interval '1 second',
           g % 50, (g % 13 = 0)::int, (g % 29 = 0)::int, (g % 3 = 0)::int,
           CASE WHEN g % 4 = 0 THEN ARRAY['orders', 'public.orders'] ELSE ARRAY['customers', 'public.customers'] END,
           ARRAY['analysts']
    FROM generate_series(1, ${SESSIONS}) g`);
  await prisma.$executeRawUnsafe("ANALYZE gateway_sessions");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
