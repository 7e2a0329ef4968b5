import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { tsxCommand } from "../../test/tsx-command";
import type { BenchEnv } from "./bench-env";
import type { Cleanup } from "./cleanup";
import { processCpuMicros } from "./proc-cpu";

const ENTRY = path.resolve(import.meta.dirname, "../../apps/gateway/src/gateway-process.ts");
const REPO = path.resolve(import.meta.dirname, "../..");
const RUNTIME_ENV = path.resolve(import.meta.dirname, "../../scripts/runtime-env.sh");

/** A field of /proc/<pid>/status in bytes (the kernel reports kB). */
function statusBytes(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]) * 1024;
}

/**
 * The Node flags the checkout's cluster forks its workers with (`gateway-node-flags.ts`), so a
 * baseline checkout runs with its own; one from before that file had none.
 */
async function gatewayNodeFlags(checkout: string): Promise<readonly string[]> {
  const file = path.join(checkout, "apps/gateway/src/gateway-node-flags.ts");
  if (!existsSync(file)) return [];
  const { GATEWAY_NODE_FLAGS } = (await import(pathToFileURL(file).href)) as {
    GATEWAY_NODE_FLAGS: readonly string[];
  };
  return GATEWAY_NODE_FLAGS;
}

/**
 * The gateway in a process of its own (as `scripts/start.sh` runs it: no benchmark driver, no pg
 * client beside it, the same process settings), so its memory is its own. `peakRss` is the kernel's high-water mark (VmHWM).
 */
export async function spawnGatewayProcess(
  env: BenchEnv,
  cleanup: Cleanup,
  options: {
    isHttpEnabled?: boolean;
    /** Serves TLS besides plaintext (SLUICE_GATEWAY_TLS; a checkout from before it serves plaintext only). */
    isTlsEnabled?: boolean;
    cpuProfileDir?: string;
    /** Another checkout of Sluice (its own node_modules) whose gateway runs instead: a baseline. */
    checkout?: string;
  } = {},
) {
  const entry = options.checkout ? path.join(options.checkout, "apps/gateway/src/gateway-process.ts") : ENTRY;
  const nodeFlags = await gatewayNodeFlags(options.checkout ?? REPO);
  // Node refuses --cpu-prof in NODE_OPTIONS: a CPU profile is asked for on the command line.
  const { command, args } = tsxCommand(entry, [], {
    nodeFlags: [
      ...nodeFlags,
      ...(options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
      // e.g. --trace-gc, for the garbage collector's share; Node refuses most V8 flags in NODE_OPTIONS.
      ...(process.env.BENCH_GATEWAY_NODE_FLAGS?.split(" ").filter(Boolean) ?? []),
    ],
  });
  // With the process settings `scripts/start.sh` gives the product (runtime-env.sh); tsx is the
  // checkout's own, resolved from its directory.
  const child = spawn("bash", ["-c", `source ${RUNTIME_ENV} && exec "$0" "$@"`, command, ...args], {
    cwd: options.checkout ?? REPO,
    env: {
      ...process.env,
      SLUICE_GATEWAY_STORE_URL: env.storeUrl,
      SLUICE_GATEWAY_SECRET_KEY: env.secretKey.toString("base64"),
      ...(options.isHttpEnabled ? { SLUICE_GATEWAY_HTTP_PORT: "0" } : {}),
      ...(options.isTlsEnabled ? { SLUICE_GATEWAY_TLS: "on" } : {}),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanup.add(() => {
    child.kill("SIGTERM");
  });
  const lines = createInterface({ input: child.stdout });
  // The gateway's report is its first JSON line; anything else it prints (--trace-gc's lines) goes
  // to this process's stderr, marked, so a flag in BENCH_GATEWAY_NODE_FLAGS can be read there.
  const first = await new Promise<string>((resolve, reject) => {
    let isReported = false;
    lines.on("line", (line) => {
      if (!isReported && line.startsWith("{")) {
        isReported = true;
        resolve(line);
      } else process.stderr.write(`[gateway ${child.pid}] ${line}\n`);
    });
    child.once("exit", (code) => reject(new Error(`the gateway process exited with ${code}`)));
  });
  // `exec` keeps the pid, but the gateway's own report is what the measurements read.
  const { port, httpPort, pid } = JSON.parse(first) as { port: number; httpPort: number | null; pid: number };
  cleanup.add(() => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  });
  return {
    port,
    httpPort,
    pid,
    rss: () => statusBytes(pid, "VmRSS"),
    peakRss: () => statusBytes(pid, "VmHWM"),
    cpuMicros: () => processCpuMicros(pid),
    /** Stops the gateway as SIGTERM does in production, so Node writes its CPU profile on exit. */
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(pid, "SIGTERM");
      await exited;
    },
  };
}
