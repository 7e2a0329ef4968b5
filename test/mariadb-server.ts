import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "../bench/lib/free-port";

const run = promisify(execFile);

/** Where Debian's mariadb-server puts the binaries (scripts/test.sh installs it). */
const MARIADBD = ["/usr/sbin/mariadbd", "/usr/bin/mariadbd"].find((candidate) => existsSync(candidate));

/** What integration tests get: an administrative login over TCP with a real password. */
export type MariaDbServer = {
  host: string;
  port: number;
  adminUser: string;
  adminPassword: string;
  stop: () => Promise<void>;
};

/** How a test's own server differs from the default one. */
export type MariaDbOptions = {
  /** The server's global sql_mode from its start (`--sql-mode`), for tests of how sessions are pinned. */
  sqlMode?: string;
};

/** Long enough for a cold `mariadbd` on a busy 2-core machine; it is an event wait, not a sleep. */
const READY_TIMEOUT_MS = 90_000;

/**
 * A throwaway MariaDB for the integration tier: a fresh data directory (`mariadb-install-db`), its
 * own socket and a port chosen here, real users with passwords (never --skip-grant-tables), stopped
 * and deleted when the run ends. The machine's own server on 3306 is never touched.
 */
export async function startMariaDb(port: number, options: MariaDbOptions = {}): Promise<MariaDbServer> {
  if (!MARIADBD) {
    throw new Error(
      "mariadbd is not installed; the MySQL integration tests need Debian's mariadb-server (bash scripts/test.sh installs it)",
    );
  }
  const home = mkdtempSync(path.join(tmpdir(), "sluice-mariadb-"));
  const dataDir = path.join(home, "data");
  const socket = path.join(home, "mariadbd.sock");
  // As root the server refuses to run unless told which user it runs as.
  const asUser = process.getuid?.() === 0 ? ["--user=root"] : [];
  await run("mariadb-install-db", [
    "--no-defaults",
    `--datadir=${dataDir}`,
    "--auth-root-authentication-method=normal",
    "--skip-test-db",
    ...asUser,
  ]);
  const child = spawn(
    MARIADBD,
    [
      "--no-defaults",
      `--datadir=${dataDir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      "--skip-name-resolve",
      `--pid-file=${path.join(home, "mariadbd.pid")}`,
      "--innodb-buffer-pool-size=32M",
      ...(options.sqlMode !== undefined ? [`--sql-mode=${options.sqlMode}`] : []),
      ...asUser,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  try {
    await readyFor(child);
  } catch (error) {
    child.kill("SIGKILL");
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
  const adminUser = "sluice_admin";
  const adminPassword = `admin-${Math.random().toString(36).slice(2)}`;
  await run("mariadb", [
    "--no-defaults",
    `--socket=${socket}`,
    "--user=root",
    "-e",
    `CREATE USER '${adminUser}'@'%' IDENTIFIED BY '${adminPassword}'; GRANT ALL ON *.* TO '${adminUser}'@'%' WITH GRANT OPTION;`,
  ]);
  return {
    host: "127.0.0.1",
    port,
    adminUser,
    adminPassword,
    stop: async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Resolves when the server logs that it accepts connections; rejects when it exits first. */
function readyFor(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = "";
    const timer = setTimeout(
      () => reject(new Error(`MariaDB did not become ready:\n${log.slice(-2000)}`)),
      READY_TIMEOUT_MS,
    );
    child.stderr?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("ready for connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`MariaDB exited early (${code}):\n${log.slice(-2000)}`));
    });
  });
}

/** Ports taken between the OS's choice and the server's bind (parallel runs): a few tries. */
const PORT_TRIES = 3;

/**
 * A MariaDB of one test file's own, on a port the OS chose: for a test that needs the server's
 * global state to differ (a global sql_mode), which it must never change on the shared server,
 * where every other file's sessions would see it.
 */
export async function startOwnMariaDb(options: MariaDbOptions): Promise<MariaDbServer> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startMariaDb(await freePort(), options);
    } catch (error) {
      if (attempt >= PORT_TRIES) throw error;
    }
  }
}
