import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startOwnMariaDb } from "./mariadb-server";
import { tsxCommand } from "./tsx-command";
import "./provided-context";

const REPO_ROOT = path.resolve(import.meta.dirname, "..");

/** Engineers' runs share the machine: a random port may be taken, so a few tries, each on another. */
const PORT_TRIES = 5;

/**
 * One embedded PostgreSQL (the same package Sluice starts by default) for the whole integration
 * tier, in a child process (see embedded-server.ts); each test file creates its own databases in
 * it, so files never share data.
 */
export default async function setup(project: TestProject) {
  const home = mkdtempSync(path.join(tmpdir(), "sluice-it-"));
  // mkdtemp makes the directory 0700; the server runs as `postgres` when tests run as root.
  chmodSync(home, 0o755);
  const { child, url } = await startPostgres(home);
  project.provide("adminUrl", url);
  // The MySQL data path's tests need a real MariaDB too, on a port the OS chose, tried again when
  // another process takes it before the server binds (a random pick once collided with a parallel run).
  const mariadb = await startOwnMariaDb({}).catch((error: unknown) => {
    child.kill("SIGTERM");
    throw error;
  });
  project.provide("mariadb", {
    host: mariadb.host,
    port: mariadb.port,
    user: mariadb.adminUser,
    password: mariadb.adminPassword,
  });
  return async () => {
    await mariadb.stop();
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    rmSync(home, { recursive: true, force: true });
  };
}

async function startPostgres(home: string) {
  for (let attempt = 1; ; attempt += 1) {
    const port = 55000 + Math.floor(Math.random() * 4000);
    const { command, args } = tsxCommand(path.join(REPO_ROOT, "test/embedded-server.ts"), [
      path.join(home, `pg-${attempt}`),
      String(port),
    ]);
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] });
    try {
      return { child, url: await readyUrl(child) };
    } catch (error) {
      if (attempt >= PORT_TRIES) throw error;
    }
  }
}

/** The server's URL, once embedded-server.ts prints it. */
function readyUrl(child: ReturnType<typeof spawn>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split("\n").find((candidate) => candidate.startsWith("{"));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once("exit", (code) => reject(new Error(`the integration PostgreSQL exited early (${code})`)));
  });
}
