import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** How the child logs in: the harness's agent, through the gateway with its CA. */
export type ChildLogin = { port: number; user: string; password: string; caFile: string };

/**
 * mysql2 in a process of its own: reads one statement on stdin, sends it as COM_QUERY or
 * COM_STMT_PREPARE, prints `ok` or the error number. An agent sending megabytes does its own TLS
 * and packet building; in the test's process that work would land on the gateway's event loop.
 */
const SCRIPT = `
import { readFileSync } from "node:fs";
import mysql from "mysql2/promise";
const [port, user, password, caFile, via] = process.argv.slice(1);
const sql = readFileSync(0, "utf8");
const connection = await mysql.createConnection({ host: "127.0.0.1", port: Number(port), user, password,
  database: "shop", ssl: { ca: readFileSync(caFile, "utf8") } });
try {
  if (via === "prepare") (await connection.prepare(sql)).close();
  else await connection.query(sql);
  console.log("ok");
} catch (error) {
  console.log(String(error.errno));
}
await connection.end();
`;

/** Sends `sql` from a child process; resolves with `ok` or the MySQL error number it got. */
export function sendFromChild(login: ChildLogin, sql: string, via: "query" | "prepare"): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        SCRIPT,
        String(login.port),
        login.user,
        login.password,
        login.caFile,
        via,
      ],
      // mysql2 resolves from this package's node_modules.
      { cwd: fileURLToPath(new URL("../..", import.meta.url)), stdio: ["pipe", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`statement process exited ${code}: ${err}`)),
    );
    child.stdin.end(sql);
  });
}
