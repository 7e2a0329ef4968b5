import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

const run = promisify(execFile);

/**
 * `mysql_clear_password`: the client sends the agent token as it is, in its first answer. Inside
 * TLS that is what the gateway checks (as caching_sha2_password's full authentication); without
 * TLS the token has already crossed the network in clear, so the login is refused and says so.
 * Proven with the real `mariadb` client (Connector/C's clear-password plugin).
 */
let harness: MySqlHarness;
beforeAll(async () => {
  harness = await startMySqlHarness();
});
afterAll(async () => {
  await harness?.stop();
});

/** `mariadb` through the gateway with the clear-password plugin; stdout, or the error it printed. */
async function clearPasswordLogin(isTls: boolean): Promise<{ stdout?: string; stderr?: string }> {
  const args = ["--no-defaults", "--protocol=TCP", "-h", "127.0.0.1", "-P", String(harness.port)];
  args.push("-u", "agent-a", `-p${harness.token}`, "--default-auth=mysql_clear_password");
  args.push(...(isTls ? ["--ssl", `--ssl-ca=${harness.caFile}`] : ["--skip-ssl"]));
  args.push("--batch", "--skip-column-names", "shop", "-e", "SELECT name FROM employees ORDER BY id");
  return run("mariadb", args).then(
    ({ stdout }) => ({ stdout }),
    (error: { stderr: string }) => ({ stderr: error.stderr }),
  );
}

describe("mysql_clear_password", () => {
  it("logs the agent in over TLS and runs its query", async () => {
    expect(await clearPasswordLogin(true)).toEqual({ stdout: "Ada\nGrace\n" });
    expect(harness.logs.filter((line) => line.includes("login refused"))).toEqual([]);
  });

  it("is refused without TLS, with an error that says the token crossed in clear", async () => {
    const judgedBefore = harness.verdicts.length;
    const refused = await clearPasswordLogin(false);
    expect(refused.stderr).toMatch(/ERROR 1045 \(28000\).*mysql_clear_password without TLS/);
    expect(refused.stderr).toMatch(/revoke/);
    // Nothing of the session ran: no statement was judged.
    expect(harness.verdicts.length).toBe(judgedBefore);
  });

  it("fails with a wrong token over TLS like any login", async () => {
    const args = ["--no-defaults", "--protocol=TCP", "-h", "127.0.0.1", "-P", String(harness.port)];
    args.push("-u", "agent-a", "-pnot-the-token", "--default-auth=mysql_clear_password");
    args.push("--ssl", `--ssl-ca=${harness.caFile}`, "shop", "-e", "SELECT 1");
    const error = await run("mariadb", args).catch((failure: { stderr: string }) => failure);
    expect((error as { stderr: string }).stderr).toMatch(/ERROR 1045 \(28000\).*wrong token/);
  });
});
