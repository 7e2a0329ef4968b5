import { execFileSync } from "node:child_process";
import os from "node:os";

/** One line that says when and where the numbers came from. */
export function describeMachine(pgVersion: string): string {
  const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
  return [
    new Date().toISOString().slice(0, 10),
    `nproc ${output("nproc", [])} (${cpu})`,
    `Node ${process.version}`,
    `PostgreSQL ${pgVersion} (embedded)`,
    `pgbench ${version("pgbench")}`,
    `pgbouncer ${version("/usr/sbin/pgbouncer")}`,
  ].join(" · ");
}

/** The first dotted number on the first line: `pgbench (PostgreSQL) 15.20 (Debian …)` gives 15.20. */
function version(command: string): string {
  const firstLine = output(command, ["--version"]).split("\n")[0] ?? "";
  return /\d+(\.\d+)+/.exec(firstLine)?.[0] ?? "unknown";
}

function output(command: string, args: string[]): string {
  try {
    return execFileSync(command, args).toString().trim();
  } catch {
    return "missing";
  }
}
