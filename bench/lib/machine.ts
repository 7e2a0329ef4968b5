import { execFileSync } from "node:child_process";
import os from "node:os";

/** One line that says where the numbers came from. */
export function describeMachine(pgVersion: string): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${new Date().toISOString().slice(0, 10)} · ${os.cpus().length} × ${cpu} · Node ${process.version} · PostgreSQL ${pgVersion} (embedded) · pgbench ${tool("pgbench")} · pgbouncer ${tool("pgbouncer")}`;
}

function tool(name: string): string {
  try {
    return execFileSync(name, ["--version"]).toString().trim().split(/\s+/).at(-1) ?? "?";
  } catch {
    return "missing";
  }
}
