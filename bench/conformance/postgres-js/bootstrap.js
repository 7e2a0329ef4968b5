// Stands in for postgres.js's tests/bootstrap.js during a conformance run. The harness creates the
// roles and the database itself; `exec` keeps the original's contract (run a client program, throw
// its stderr unless it only says something already exists or is missing) but always aims it at the
// upstream as its superuser, never at Sluice: the suite uses it for `ALTER SYSTEM` and the like.
import { spawnSync } from "node:child_process";

const superuserUrl = process.env.CONFORMANCE_SUPERUSER_URL;

export function exec(cmd, args) {
  if (!superuserUrl) throw new Error("CONFORMANCE_SUPERUSER_URL is not set");
  const { stderr } = spawnSync(cmd, [...args, superuserUrl], { stdio: "pipe", encoding: "utf8" });
  if (
    stderr &&
    !stderr.includes("already exists") &&
    !stderr.includes("does not exist") &&
    !stderr.includes("WARNING:")
  )
    throw stderr;
}
