import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The one line that tells someone without a MariaDB how to get one (Debian's package). */
export const MARIADB_INSTALL_HINT = "apt-get install mariadb-server";

/** Long enough for a cold `mariadbd` on a busy 2-core machine; it is an event wait, not a sleep. */
export const MARIADB_READY_TIMEOUT_MS = 90_000;
/** Bounds `mariadb-install-db` and each SQL script (the demo's load is the longest), so start ends. */
export const MARIADB_STEP_TIMEOUT_MS = 120_000;

/** Where Debian's mariadb-server puts its programs; `mysqld` is the name older packages used. */
const SERVER_CANDIDATES = ["/usr/sbin/mariadbd", "/usr/bin/mariadbd", "/usr/sbin/mysqld", "/usr/bin/mysqld"];
const INSTALL_DB_CANDIDATES = [
  "/usr/bin/mariadb-install-db",
  "/usr/bin/mysql_install_db",
  "/usr/sbin/mariadb-install-db",
];
const CLIENT_CANDIDATES = ["/usr/bin/mariadb", "/usr/bin/mysql"];

export type MariaDbPrograms = { server: string; installDb: string; client: string };

/** The server, its data-directory initializer and the CLI, or null when any is missing. */
export function findMariaDbPrograms(): MariaDbPrograms | null {
  const server = SERVER_CANDIDATES.find((candidate) => existsSync(candidate));
  const installDb = INSTALL_DB_CANDIDATES.find((candidate) => existsSync(candidate));
  const client = CLIENT_CANDIDATES.find((candidate) => existsSync(candidate));
  return server && installDb && client ? { server, installDb, client } : null;
}

export type LocalMariaDbOptions = {
  /** Created (mariadb-install-db) on first start and reused afterwards. */
  dataDir: string;
  port: number;
  /** PEM files of the server's certificate and key: the server then offers TLS. */
  tls?: { certFile: string; keyFile: string };
  /** The server's global sql_mode from its start (`--sql-mode`), for tests of how sessions are pinned. */
  sqlMode?: string;
  /** Delete the data directory on stop (tests). */
  isEphemeral?: boolean;
};

/** An administrative login over TCP with a real password, and how to stop the server. */
export type LocalMariaDb = {
  host: string;
  port: number;
  adminUser: string;
  adminPassword: string;
  /** Runs SQL as the administrator through the CLI (multi-statement); returns its tab-separated rows. */
  execute: (sql: string) => Promise<string>;
  stop: () => Promise<void>;
};

const ADMIN_USER = "sluice_admin";

/**
 * A MariaDB of Sluice's own: its own data directory, a socket in a private temporary directory,
 * loopback only on the given port, real users with passwords (never --skip-grant-tables). The
 * machine's own server on 3306 is never touched. `stop` ends it (and the caller's process exit
 * must call it, as the embedded PostgreSQL's).
 */
export async function startLocalMariaDb(options: LocalMariaDbOptions): Promise<LocalMariaDb> {
  const programs = findMariaDbPrograms();
  if (!programs)
    throw new Error(
      `MariaDB is not installed (mariadbd, mariadb-install-db, mariadb): ${MARIADB_INSTALL_HINT}`,
    );
  const dataDir = path.resolve(options.dataDir);
  const runDir = mkdtempSync(path.join(tmpdir(), "sluice-mariadb-"));
  const socket = path.join(runDir, "mariadbd.sock");
  // As root the server refuses to run unless told which user it runs as.
  const asUser = process.getuid?.() === 0 ? ["--user=root"] : [];
  const isNew = !existsSync(path.join(dataDir, "mysql"));
  if (isNew) {
    mkdirSync(dataDir, { recursive: true });
    await run(
      programs.installDb,
      [
        "--no-defaults",
        `--datadir=${dataDir}`,
        // Root logs in only through the private socket; agents and Sluice use password logins.
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
        ...asUser,
      ],
      { timeout: MARIADB_STEP_TIMEOUT_MS },
    ).catch((error: unknown) => {
      // A half-initialized directory would look initialized to the next start.
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(runDir, { recursive: true, force: true });
      throw error;
    });
  }
  const child = spawn(
    programs.server,
    [
      "--no-defaults",
      `--datadir=${dataDir}`,
      `--socket=${socket}`,
      `--port=${options.port}`,
      "--bind-address=127.0.0.1",
      "--skip-name-resolve",
      `--pid-file=${path.join(runDir, "mariadbd.pid")}`,
      "--innodb-buffer-pool-size=32M",
      ...(options.tls ? [`--ssl-cert=${options.tls.certFile}`, `--ssl-key=${options.tls.keyFile}`] : []),
      ...(options.sqlMode !== undefined ? [`--sql-mode=${options.sqlMode}`] : []),
      ...asUser,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const cleanUp = () => {
    rmSync(runDir, { recursive: true, force: true });
    if (options.isEphemeral) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await readyFor(child);
  } catch (error) {
    child.kill("SIGKILL");
    cleanUp();
    throw error;
  }
  const execute = (sql: string) =>
    runWithInput(
      programs.client,
      ["--no-defaults", `--socket=${socket}`, "--user=root", "--batch", "--skip-column-names"],
      sql,
    );
  const passwordFile = `${dataDir}.admin-password`;
  const adminPassword = existsSync(passwordFile)
    ? readFileSync(passwordFile, "utf8").trim()
    : randomBytes(18).toString("base64url");
  try {
    // Idempotent, so a data directory whose password file went missing still gets a working login.
    await execute(
      `CREATE USER IF NOT EXISTS '${ADMIN_USER}'@'%' IDENTIFIED BY '${adminPassword}';
       ALTER USER '${ADMIN_USER}'@'%' IDENTIFIED BY '${adminPassword}';
       GRANT ALL ON *.* TO '${ADMIN_USER}'@'%' WITH GRANT OPTION;`,
    );
    if (!options.isEphemeral) writeFileSync(passwordFile, `${adminPassword}\n`, { mode: 0o600 });
  } catch (error) {
    await stopChild(child);
    cleanUp();
    throw error;
  }
  return {
    host: "127.0.0.1",
    port: options.port,
    adminUser: ADMIN_USER,
    adminPassword,
    execute,
    stop: async () => {
      await stopChild(child);
      cleanUp();
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** Runs a program with `input` on its stdin and gives its stdout; rejects with its stderr when it fails. */
function runWithInput(program: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      stdio: ["pipe", "pipe", "pipe"],
      timeout: MARIADB_STEP_TIMEOUT_MS,
      killSignal: "SIGKILL",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    // "close", not "exit": stdout is complete only once its stream has ended.
    child.once("close", (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`${path.basename(program)} failed (${code}): ${stderr.trim()}`)),
    );
    child.stdin.end(input);
  });
}

/** Resolves when the server logs that it accepts connections; rejects when it exits first. */
function readyFor(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = "";
    const timer = setTimeout(
      () => reject(new Error(`MariaDB did not become ready:\n${log.slice(-2000)}`)),
      MARIADB_READY_TIMEOUT_MS,
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
