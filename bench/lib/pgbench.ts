import { execFile } from "node:child_process";

export type PgbenchResult = { tps: number; latencyMs: number; transactions: number };

export type PgbenchRun = {
  url: string;
  clients: number;
  protocol: "simple" | "extended" | "prepared";
  seconds: number;
  password: string;
};

/** Runs `pgbench -S` (select-only) and reads its summary lines. */
export function runPgbench(run: PgbenchRun): Promise<PgbenchResult> {
  const threads = run.clients === 1 ? 1 : 2;
  const url = new URL(run.url);
  const args = [
    "-n",
    "-S",
    "-M",
    run.protocol,
    "-c",
    String(run.clients),
    "-j",
    String(threads),
    "-T",
    String(run.seconds),
  ];
  args.push(
    "-h",
    url.hostname,
    "-p",
    url.port,
    "-U",
    decodeURIComponent(url.username),
    url.pathname.slice(1),
  );
  return new Promise((resolve, reject) => {
    execFile(
      "pgbench",
      args,
      { env: { ...process.env, PGPASSWORD: run.password, PGSSLMODE: "disable" } },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`pgbench failed: ${stderr || error.message}`));
        const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? Number.NaN);
        resolve({
          tps: number(/tps = ([\d.]+) \(without initial connection time\)/),
          latencyMs: number(/latency average = ([\d.]+) ms/),
          transactions: number(/number of transactions actually processed: (\d+)/),
        });
      },
    );
  });
}
