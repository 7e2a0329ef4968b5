import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

export type ConsoleOptions = {
  repoRoot: string;
  port: number;
  env: Record<string, string>;
  log: (line: string) => void;
};

export type RunningConsole = { url: string; stop: () => Promise<void>; exited: Promise<number | null> };

/**
 * Sources whose change makes the production build stale: the console and every package it imports,
 * directly or through another (scripts/architecture checks the imports; keep this list to them).
 */
const SOURCE_DIRS = [
  "apps/console/src",
  "packages/admin/src",
  "packages/db/src",
  "packages/http-policy/src",
  "packages/identity/src",
  "packages/masking/src",
  "packages/mysql-sql/src",
  "packages/policy/src",
  "packages/recording/src",
  "packages/reviews/src",
  "packages/secrets/src",
  "packages/sql/src",
  "packages/wire/src",
];
const SOURCE_FILES = ["apps/console/next.config.ts", "apps/console/package.json", "pnpm-lock.yaml"];

/** Builds the console when its sources changed since the last build, then serves it with `next start`. */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const appDir = path.join(options.repoRoot, "apps/console");
  const next = path.join(appDir, "node_modules/.bin/next");
  const stamp = path.join(appDir, ".next/sluice-source-hash");
  const hash = hashSources(options.repoRoot);
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== hash) {
    options.log("building the console (first start or sources changed)…");
    await run(next, ["build"], appDir, options.env);
    writeFileSync(stamp, hash);
  }
  const child = spawn(next, ["start", "-p", String(options.port), "-H", "127.0.0.1"], {
    cwd: appDir,
    env: { ...process.env, ...options.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr?.on("data", (chunk: Buffer) => options.log(`[console] ${chunk.toString().trimEnd()}`));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await waitForHttp(`http://127.0.0.1:${options.port}/api/health`, exited);
  return { url: `http://localhost:${options.port}`, stop: () => stopChild(child, exited), exited };
}

function hashSources(root: string): string {
  const hash = createHash("sha256");
  const visit = (file: string) => {
    const stat = statSync(file);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(file).sort()) if (entry !== "generated") visit(path.join(file, entry));
    } else {
      hash.update(file).update(readFileSync(file));
    }
  };
  for (const dir of [...SOURCE_DIRS, ...SOURCE_FILES]) {
    const full = path.join(root, dir);
    if (existsSync(full)) visit(full);
  }
  return hash.digest("hex");
}

function run(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${path.basename(command)} ${args.join(" ")} exited with ${code}`)),
    );
  });
}

async function waitForHttp(url: string, exited: Promise<number | null>): Promise<void> {
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  for (let attempt = 0; attempt < 600; attempt++) {
    if (hasExited) throw new Error("the console exited before it answered; see the lines above");
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the console did not answer at ${url} within 60 s`);
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}
