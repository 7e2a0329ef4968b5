import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { tsxCommand } from "../../../../test/tsx-command";
import type { Harness } from "./gateway-harness";

export type GatewayChild = { port: number; pid: number; child: ChildProcess; url: string };

/**
 * A second gateway process on the harness's store, for what only another process shows: a
 * process that dies, is stopped (SIGSTOP) or shuts down. Started as tsxCommand says, so a signal reaches it
 * as sent. Callers kill it (`child.kill`) when done.
 */
export async function spawnGatewayChild(harness: Harness): Promise<GatewayChild> {
  const { command, args } = tsxCommand("apps/gateway/src/gateway-process.ts");
  const child = spawn(command, args, {
    env: {
      ...process.env,
      SLUICE_GATEWAY_STORE_URL: harness.storeUrl,
      SLUICE_GATEWAY_SECRET_KEY: harness.secretKey.toString("base64"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`gateway process exited ${code}`)));
  });
  const { port, pid } = JSON.parse(first) as { port: number; pid: number };
  return { port, pid, child, url: harness.url.replace(`:${harness.port}/`, `:${port}/`) };
}
