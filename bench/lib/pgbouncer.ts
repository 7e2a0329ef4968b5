import { execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, waitForPort } from "./free-port";
import { type CpuTimes, processCpu } from "./proc-cpu";

export type Pgbouncer = {
  port: number;
  /** The settings that shape the comparison, quoted in the report. */
  settings: string;
  cpu: () => CpuTimes;
  stop: () => void;
};

export type PgbouncerUpstream = { port: number; user: string; password: string; database: string };

/** Debian's package installs it here; the comparison is against that build, not one we compile. */
const PGBOUNCER = "/usr/sbin/pgbouncer";

/**
 * Session mode pins one server connection per client, as Sluice does, so the comparison is relay
 * against relay. The pool must hold the largest `-c` (16) or clients would queue inside pgbouncer.
 */
const POOL_SETTINGS = ["pool_mode = session", "max_client_conn = 100", "default_pool_size = 20"];

/**
 * Starts pgbouncer in front of the upstream. It refuses to run as root, so as root it runs as the
 * `postgres` user with its files in a directory that user owns. A SCRAM auth_file may hold the
 * plaintext password, which lets pgbouncer log in upstream with SCRAM too.
 */
export async function startPgbouncer(upstream: PgbouncerUpstream): Promise<Pgbouncer> {
  const dir = mkdtempSync(path.join(tmpdir(), "sluice-bench-pgbouncer-"));
  const port = await freePort();
  const file = (name: string) => path.join(dir, name);
  writeFileSync(file("userlist.txt"), `"${upstream.user}" "${upstream.password}"\n`, { mode: 0o600 });
  writeFileSync(
    file("pgbouncer.ini"),
    [
      "[databases]",
      `${upstream.database} = host=127.0.0.1 port=${upstream.port} dbname=${upstream.database}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = scram-sha-256",
      `auth_file = ${file("userlist.txt")}`,
      ...POOL_SETTINGS,
      `logfile = ${file("pgbouncer.log")}`,
      `pidfile = ${file("pgbouncer.pid")}`,
      "",
    ].join("\n"),
  );
  const isRoot = process.getuid?.() === 0;
  if (isRoot) handToPostgresUser(dir, ["userlist.txt", "pgbouncer.ini"]);
  const [command, args] = isRoot
    ? ["runuser", ["-u", "postgres", "--", PGBOUNCER, file("pgbouncer.ini")]]
    : [PGBOUNCER, [file("pgbouncer.ini")]];
  const child = spawn(command, args, { stdio: "ignore" });
  const pid = () => Number(readFileSync(file("pgbouncer.pid"), "utf8").trim());
  let isStopped = false;
  // Synchronous, so it also runs from the 'exit' event when a signal ends the process mid-run.
  const stop = () => {
    if (isStopped) return;
    isStopped = true;
    try {
      if (existsSync(file("pgbouncer.pid"))) process.kill(pid(), "SIGTERM");
    } catch {}
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stop);
  try {
    await waitForPort(port, "pgbouncer");
  } catch (error) {
    const log = existsSync(file("pgbouncer.log")) ? readFileSync(file("pgbouncer.log"), "utf8") : "";
    stop();
    throw new Error(`${String(error)}\n${log}`);
  }
  return {
    port,
    settings: POOL_SETTINGS.join(", "),
    cpu: () => processCpu(pid()),
    stop,
  };
}

function handToPostgresUser(dir: string, files: string[]): void {
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString());
  for (const name of ["", ...files]) chownSync(path.join(dir, name), uid, gid);
  chmodSync(dir, 0o700);
}
