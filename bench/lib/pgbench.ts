import { execFile } from "node:child_process";

export type PgbenchProtocol = "simple" | "extended" | "prepared";

export type PgbenchResult = {
  tps: number;
  latencyMs: number;
  transactions: number;
  /** pgbench's "average connection time" (ms): with -C, one connection per transaction. */
  connectMs?: number;
};

export type PgbenchRun = {
  host: string;
  port: number;
  user: string;
  database: string;
  password: string;
  clients: number;
  protocol: PgbenchProtocol;
  seconds: number;
  /** -C: a new connection for every transaction (what agents opening one per tool call do). */
  isConnectPerTransaction?: boolean;
  /** libpq's sslmode (default "disable"); "require" measures a TLS session, handshake included. */
  sslMode?: "disable" | "require";
  /**
   * -R: transactions per second in all, paced by pgbench. Paths compared at one rate do the same
   * work per second, so what a process spends per second whatever the load (timers, store polls)
   * weighs the same on each.
   */
  rate?: number;
  /** Kills pgbench when the benchmark is interrupted. */
  signal?: AbortSignal;
};

/**
 * Time pgbench gets beyond `-T` to connect, finish its last transactions and print, before the run
 * counts as hung. A gateway that stalls must fail the benchmark rather than wait forever.
 */
const HANG_MARGIN_MS = 30_000;

/**
 * pgbench's threads share the machine's cores with the server and the gateway, so it gets as few as
 * keep its clients busy: one for a single client, two for sixteen.
 */
export function threadsFor(clients: number): number {
  return clients === 1 ? 1 : 2;
}

/** `pgbench -n -S` (select-only, no vacuum: the gateway paths could not vacuum as an agent anyway). */
export function pgbenchArgs(run: Omit<PgbenchRun, "password" | "signal" | "sslMode">): string[] {
  return [
    ...(run.isConnectPerTransaction ? ["-C"] : []),
    ...(run.rate ? ["-R", String(run.rate)] : []),
    "-n",
    "-S",
    "-M",
    run.protocol,
    "-c",
    String(run.clients),
    "-j",
    String(threadsFor(run.clients)),
    "-T",
    String(run.seconds),
    "-h",
    run.host,
    "-p",
    String(run.port),
    "-U",
    run.user,
    run.database,
  ];
}

/** Runs pgbench and reads its summary; any failed or aborted client fails the run. */
export function runPgbench(run: PgbenchRun): Promise<PgbenchResult> {
  return new Promise((resolve, reject) => {
    execFile(
      "pgbench",
      pgbenchArgs(run),
      {
        env: { ...process.env, PGPASSWORD: run.password, PGSSLMODE: run.sslMode ?? "disable" },
        timeout: run.seconds * 1000 + HANG_MARGIN_MS,
        killSignal: "SIGKILL",
        signal: run.signal,
      },
      (error, stdout, stderr) => {
        const where = `pgbench -M ${run.protocol} -c ${run.clients} on port ${run.port}`;
        if (error) return reject(new Error(`${where} failed (${error.message.trim()}):\n${stderr}${stdout}`));
        const result = parseSummary(stdout);
        const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
        if (failed > 0 || !Object.values(result).every(Number.isFinite)) {
          return reject(
            new Error(`${where}: ${failed} failed transactions or no summary:\n${stderr}${stdout}`),
          );
        }
        resolve(result);
      },
    );
  });
}

function parseSummary(stdout: string): PgbenchResult {
  const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? Number.NaN);
  return {
    // With -C pgbench counts the reconnections in: "(including reconnection times)".
    tps: number(/tps = ([\d.]+) \((?:without initial connection time|including reconnection times)\)/),
    latencyMs: number(/latency average = ([\d.]+) ms/),
    transactions: number(/number of transactions actually processed: (\d+)/),
    ...(/average connection time = ([\d.]+) ms/.test(stdout)
      ? { connectMs: number(/average connection time = ([\d.]+) ms/) }
      : {}),
  };
}
