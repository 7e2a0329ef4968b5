import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import "./provided-context";

const REPO_ROOT = path.resolve(import.meta.dirname, "..");

/**
 * One embedded PostgreSQL (the same package Sluice starts by default) for the whole integration
 * tier, in a child process (see embedded-server.ts); each test file creates its own databases in
 * it, so files never share data.
 */
export default async function setup(project: TestProject) {
  const home = mkdtempSync(path.join(tmpdir(), "sluice-it-"));
  // mkdtemp makes the directory 0700; the server runs as `postgres` when tests run as root.
  chmodSync(home, 0o755);
  const port = 55000 + Math.floor(Math.random() * 4000);
  const child = spawn(
    path.join(REPO_ROOT, "node_modules/.bin/tsx"),
    [path.join(REPO_ROOT, "test/embedded-server.ts"), path.join(home, "pg"), String(port)],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split("\n").find((candidate) => candidate.startsWith("{"));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once("exit", (code) => reject(new Error(`the integration PostgreSQL exited early (${code})`)));
  });
  project.provide("adminUrl", url);
  return async () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    rmSync(home, { recursive: true, force: true });
  };
}
