import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "../bench/lib/free-port";

const run = promisify(execFile);

/** Debian's PostgreSQL 15 server: the last major before 18 this machine kind ships (no search_path report). */
export const PG15_BIN = "/usr/lib/postgresql/15/bin";

/** Why the PG 15 tests cannot run here, or null when they can. */
export function pg15Missing(): string | null {
  for (const tool of ["initdb", "pg_ctl", "postgres"]) {
    if (!existsSync(path.join(PG15_BIN, tool))) return `${path.join(PG15_BIN, tool)} is not installed`;
  }
  return null;
}

export type Pg15Server = {
  /** The superuser `postgres` over TCP with a SCRAM password. */
  adminUrl: string;
  port: number;
  /** Stops the server (fast: open sessions are ended) and starts it again on the same port. */
  restart: () => Promise<void>;
  stop: () => Promise<void>;
};

/** The server refuses to run as root: as root, the data directory is the `postgres` user's. */
const RUN_AS = userInfo().uid === 0 ? "postgres" : null;

/** Ports taken between the OS's choice and the server's bind (parallel runs): a few tries. */
const PORT_TRIES = 3;

/**
 * A throwaway PostgreSQL 15 for tests of what older servers do differently (they never report
 * search_path): a fresh data directory, loopback only on a port the OS chose, SCRAM passwords over
 * TCP, stopped and deleted by `stop`.
 */
export async function startPg15(): Promise<Pg15Server> {
  const missing = pg15Missing();
  if (missing) throw new Error(missing);
  const home = mkdtempSync(path.join(tmpdir(), "sluice-pg15-"));
  const data = path.join(home, "data");
  const password = `pw${Math.random().toString(36).slice(2)}`;
  try {
    if (RUN_AS) {
      const { stdout } = await run("id", ["-u", RUN_AS]);
      const { stdout: gid } = await run("id", ["-g", RUN_AS]);
      chownSync(home, Number(stdout.trim()), Number(gid.trim()));
    }
    const pwfile = path.join(home, "pw");
    writeFileSync(pwfile, password, { mode: 0o600 });
    if (RUN_AS) await run("chown", [RUN_AS, pwfile]);
    await as(`${PG15_BIN}/initdb`, [
      "-D",
      data,
      "-U",
      "postgres",
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      `--pwfile=${pwfile}`,
      "--encoding=UTF8",
      "--locale=C",
      "--no-sync",
    ]);
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      try {
        await as(`${PG15_BIN}/pg_ctl`, [
          "start",
          "-w",
          "-t",
          "60",
          "-D",
          data,
          "-l",
          path.join(home, "log"),
          "-o",
          `-p ${port} -k ${home} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`,
        ]);
        return {
          adminUrl: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`,
          port,
          restart: async () => {
            // pg_ctl restart starts it with the options it was last started with (postmaster.opts).
            await as(`${PG15_BIN}/pg_ctl`, [
              "restart",
              "-w",
              "-t",
              "60",
              "-m",
              "fast",
              "-D",
              data,
              "-l",
              path.join(home, "log"),
            ]);
          },
          stop: async () => {
            await as(`${PG15_BIN}/pg_ctl`, ["stop", "-w", "-m", "fast", "-D", data]).catch(() => {});
            rmSync(home, { recursive: true, force: true });
          },
        };
      } catch (error) {
        if (attempt >= PORT_TRIES) throw error;
      }
    }
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}

function as(command: string, args: string[]): Promise<unknown> {
  return RUN_AS ? run("runuser", ["-u", RUN_AS, "--", command, ...args]) : run(command, args);
}
