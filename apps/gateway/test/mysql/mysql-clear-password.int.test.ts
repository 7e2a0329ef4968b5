import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mariadbCli } from "../support/mariadb-cli";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";

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
function clearPasswordLogin(isTls: boolean): Promise<{ stdout?: string; stderr?: string }> {
  return mariadbCli(
    {
      port: harness.port,
      user: "agent-a",
      password: harness.token,
      database: "shop",
      caFile: isTls ? harness.caFile : null,
      options: ["--default-auth=mysql_clear_password"],
    },
    "SELECT name FROM employees ORDER BY id",
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
    const refused = await mariadbCli(
      {
        port: harness.port,
        user: "agent-a",
        password: "not-the-token",
        database: "shop",
        caFile: harness.caFile,
        options: ["--default-auth=mysql_clear_password"],
      },
      "SELECT 1",
    );
    expect(refused.stderr).toMatch(/ERROR 1045 \(28000\).*wrong token/);
  });
});
