import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export type Pgbouncer = { port: number; cpuTicks: () => number; stop: () => Promise<void> };

/**
 * Debian's pgbouncer in session mode in front of the same server. It refuses to run as root, so it
 * runs as the `postgres` user with its files in a directory that user owns.
 */
export async function startPgbouncer(upstream: {
  port: number;
  user: string;
  password: string;
  database: string;
}): Promise<Pgbouncer> {
  const dir = mkdtempSync(path.join(tmpdir(), "sluice-bench-pgbouncer-"));
  const port = await freePort();
  writeFileSync(path.join(dir, "userlist.txt"), `"${upstream.user}" "${upstream.password}"\n`);
  writeFileSync(
    path.join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `${upstream.database} = host=127.0.0.1 port=${upstream.port} dbname=${upstream.database}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = scram-sha-256",
      `auth_file = ${path.join(dir, "userlist.txt")}`,
      "pool_mode = session",
      "max_client_conn = 200",
      "default_pool_size = 40",
      `logfile = ${path.join(dir, "pgbouncer.log")}`,
      `pidfile = ${path.join(dir, "pgbouncer.pid")}`,
      "",
    ].join("\n"),
  );
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString());
    for (const file of ["", "userlist.txt", "pgbouncer.ini"]) chownSync(path.join(dir, file), uid, gid);
    chmodSync(dir, 0o755);
  }
  const command = isRoot ? "runuser" : "pgbouncer";
  const args = isRoot
    ? ["-u", "postgres", "--", "pgbouncer", path.join(dir, "pgbouncer.ini")]
    : [path.join(dir, "pgbouncer.ini")];
  const child: ChildProcess = spawn(command, args, { stdio: "ignore" });
  await waitForPort(port);
  const pid = () => Number(readFileSync(path.join(dir, "pgbouncer.pid"), "utf8").trim());
  return {
    port,
    cpuTicks: () => {
      const fields = readFileSync(`/proc/${pid()}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      return Number(fields[11]) + Number(fields[12]);
    },
    stop: async () => {
      try {
        process.kill(pid(), "SIGTERM");
      } catch {
        child.kill("SIGTERM");
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (isOpen) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`pgbouncer did not listen on ${port}`);
}
