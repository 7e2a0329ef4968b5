import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { tsxCommand } from "../../test/tsx-command";
import type { Cleanup } from "./cleanup";
import { processCpuMicros } from "./proc-cpu";

const ENTRY = path.resolve(import.meta.dirname, "node-pipe-entry.ts");
const RUNTIME_ENV = path.resolve(import.meta.dirname, "../../scripts/runtime-env.sh");

/**
 * The Node byte pipe (`node-pipe.ts`), or with `native` the C relay after a handover
 * (`native-relay.ts`), in a process of its own with the gateway's process settings (runtime-env.sh),
 * so the floor's CPU per transaction is read from /proc exactly as the gateway's is.
 */
export async function spawnNodePipeProcess(
  upstream: { host: string; port: number },
  cleanup: Cleanup,
  kind: "node" | "native" = "node",
) {
  const { command, args } = tsxCommand(ENTRY, [upstream.host, String(upstream.port), kind]);
  const child = spawn("bash", ["-c", `source ${RUNTIME_ENV} && exec "$0" "$@"`, command, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanup.add(() => {
    child.kill("SIGTERM");
  });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the ${kind} pipe process exited with ${code}`)));
  });
  const { port, pid } = JSON.parse(first) as { port: number; pid: number };
  return { port, pid, cpuMicros: () => processCpuMicros(pid) };
}
