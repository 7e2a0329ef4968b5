import path from "node:path";
import { createPrisma } from "@sluice/db/prisma";
import pg from "pg";
import Cursor from "pg-cursor";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { type Harness, startHarness } from "./support/gateway-harness";
import { run, spawn } from "./support/run";

const CLIENTS_DIR = path.join(import.meta.dirname, "clients");
const PYTHON = "/usr/bin/python3";
const JDBC_JAR = "/usr/share/java/postgresql.jar";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  const direct = new pg.Client({ connectionString: harness.directUrl });
  await direct.connect();
  await direct.query(`CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2))`);
  await direct.query(`INSERT INTO items SELECT g, 'item ' || g, g * 1.25 FROM generate_series(1, 200) g`);
  await direct.end();
  const init = await run("pgbench", ["-i", "-s", "1", "-q", harness.directUrl]);
  expect(init.code, init.stderr).toBe(0);
});
afterAll(() => harness?.stop());

/** Same output directly and through Sluice: the gateway must be invisible to the client. */
async function expectSameOutput(command: string, argsFor: (url: string) => string[], input?: string) {
  const options = input === undefined ? {} : { input };
  const direct = await run(command, argsFor(harness.directUrl), options);
  const viaGateway = await run(command, argsFor(harness.url), options);
  expect(direct.code, direct.stderr).toBe(0);
  expect(viaGateway.code, viaGateway.stderr).toBe(0);
  expect(viaGateway.stdout).toBe(direct.stdout);
  return viaGateway.stdout;
}

describe("psql", () => {
  it("queries, \\copy out and \\copy in exactly as a direct connection", async () => {
    const script = [
      "SELECT id, name, price FROM items ORDER BY id LIMIT 5;",
      "\\copy (SELECT id, name FROM items WHERE id <= 3 ORDER BY id) TO STDOUT WITH (FORMAT csv)",
      "BEGIN;",
      "CREATE TEMP TABLE staged (id int, name text);",
      "\\copy staged FROM STDIN",
      "1\tone",
      "2\ttwo",
      "\\.",
      "SELECT count(*) AS staged FROM staged;",
      "ROLLBACK;",
    ].join("\n");
    const out = await expectSameOutput(
      "psql",
      (url) => ["-X", "-v", "ON_ERROR_STOP=1", url, "-f", "-"],
      script,
    );
    expect(out).toContain("item 5");
    expect(out).toContain("1,item 1");
  });

  it("copies a file in and the rows arrive", async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `${10_000 + i}\tcopied ${i}\t${i}.50`).join("\n");
    const result = await run(
      "psql",
      ["-X", "-v", "ON_ERROR_STOP=1", harness.url, "-c", "\\copy items FROM STDIN"],
      {
        input: `${rows}\n\\.\n`,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("COPY 1000");
    const count = await run("psql", [
      "-X",
      "-Atc",
      "SELECT count(*) FROM items WHERE id >= 10000",
      harness.directUrl,
    ]);
    expect(count.stdout.trim()).toBe("1000");
  });

  it("verifies the gateway's certificate with sslmode=verify-full and the generated CA", async () => {
    const url = harness.urlFor(
      harness.agent.name,
      harness.token,
      "shop",
      `sslmode=verify-full&sslrootcert=${harness.caFile}`,
    );
    const result = await run("psql", [
      "-X",
      "-Atc",
      "SELECT 'over tls'",
      url.replace("127.0.0.1", "localhost"),
    ]);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("over tls");
    const wrongCa = harness.urlFor(
      harness.agent.name,
      harness.token,
      "shop",
      "sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt",
    );
    const refused = await run("psql", ["-X", "-Atc", "SELECT 1", wrongCa.replace("127.0.0.1", "localhost")]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/certificate verify failed/);
  });

  it("cancels a running statement on Ctrl-C", async () => {
    const child = spawn("psql", ["-X", harness.url], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.stdin.write("SELECT pg_sleep(30);\n");
    // Ctrl-C once the upstream runs the statement, as the upstream itself reports it.
    const observer = new pg.Client({ connectionString: harness.upstreamAdminUrl });
    await observer.connect();
    const sleeping = async () =>
      (
        await observer.query(
          "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query = 'SELECT pg_sleep(30);'",
        )
      ).rowCount ?? 0;
    try {
      await until(sleeping, { what: "pg_sleep(30) running upstream" });
      child.kill("SIGINT");
      // The server's own words: the cancel went through the gateway to the upstream.
      await until(() => stderr.includes("canceling statement due to user request"), {
        what: "the cancel's error in psql",
      });
      expect(await sleeping()).toBe(0);
    } finally {
      await observer.end();
      child.stdin.end();
      await exited;
    }
  });
});

describe("pgbench", () => {
  for (const protocol of ["simple", "extended", "prepared"]) {
    it(`runs select-only with -M ${protocol} without failed transactions`, async () => {
      const result = await run("pgbench", [
        "-n",
        "-S",
        "-M",
        protocol,
        "-c",
        "4",
        "-j",
        "2",
        "-t",
        "100",
        harness.url,
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/number of transactions actually processed: 400\/400/);
      expect(result.stdout).toMatch(/number of failed transactions: 0/);
    });
  }

  it("runs the read-write TPC-B script in transactions", async () => {
    const result = await run("pgbench", ["-n", "-M", "prepared", "-c", "2", "-t", "50", harness.url]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/number of transactions actually processed: 100\/100/);
  });
});

describe("node drivers", () => {
  it("pg reads through a cursor in batches", async () => {
    const client = new pg.Client({ connectionString: harness.url });
    await client.connect();
    try {
      await client.query("BEGIN");
      const cursor = client.query(new Cursor("SELECT id FROM items WHERE id <= 200 ORDER BY id"));
      const batches: number[] = [];
      for (let rows = await cursor.read(64); rows.length > 0; rows = await cursor.read(64))
        batches.push(rows.length);
      await cursor.close();
      await client.query("COMMIT");
      expect(batches).toEqual([64, 64, 64, 8]);
    } finally {
      await client.end();
    }
  });

  it("postgres.js gets the same rows, with prepared statements and a transaction", async () => {
    const direct = postgres(harness.directUrl, { max: 1 });
    const gateway = postgres(harness.url, { max: 1, prepare: true });
    try {
      const query = (sql: postgres.Sql) =>
        sql`SELECT id, name, price FROM items WHERE id <= ${10} ORDER BY id`;
      expect([...(await query(gateway))]).toEqual([...(await query(direct))]);
      const inserted = await gateway.begin(async (tx) => {
        await tx`INSERT INTO items (id, name, price) VALUES (${5000}, ${"tx"}, ${1})`;
        return tx`SELECT count(*)::int AS n FROM items WHERE id = 5000`;
      });
      expect(inserted[0]?.n).toBe(1);
    } finally {
      await direct.end();
      await gateway.end();
    }
  });

  it("Prisma's client (adapter-pg) queries through the gateway", async () => {
    const prisma = createPrisma(harness.url);
    try {
      const rows = await prisma.$queryRawUnsafe<{ n: number }[]>(
        "SELECT count(*)::int AS n FROM items WHERE id <= $1",
        50,
      );
      expect(rows).toEqual([{ n: 50 }]);
    } finally {
      await prisma.$disconnect();
    }
  });
});

describe("python and java drivers", () => {
  for (const driver of ["psycopg2", "psycopg", "sqlalchemy"]) {
    it(`${driver} sees exactly what it sees directly`, async () => {
      const out = await expectSameOutput(PYTHON, (url) => [
        path.join(CLIENTS_DIR, "python_client.py"),
        driver,
        url,
      ]);
      expect(JSON.parse(out).rows).toHaveLength(20);
    });
  }

  it("psycopg2 cancels a running statement and the session carries on", async () => {
    const result = await run(PYTHON, [path.join(CLIENTS_DIR, "python_client.py"), "cancel", harness.url]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ error: "57014", cancelled_within_10s: true, after: "alive" });
  });

  it("pgJDBC sees exactly what it sees directly (prepared, fetch size, errors)", async () => {
    const jdbcUrl = (url: string) => {
      const parsed = new URL(url);
      return [
        `jdbc:postgresql://${parsed.host}${parsed.pathname}?sslmode=disable`,
        decodeURIComponent(parsed.username),
        decodeURIComponent(parsed.password),
      ];
    };
    const out = await expectSameOutput("java", (url) => [
      "-cp",
      JDBC_JAR,
      path.join(CLIENTS_DIR, "JdbcClient.java"),
      ...jdbcUrl(url),
    ]);
    expect(out).toContain("fetched sum 153");
    expect(out).toContain("error 22012");
  }, 120_000);
});
