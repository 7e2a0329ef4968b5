import { expect, test } from "@playwright/test";
import { demoState, HOME, run } from "./support";

const MYSQL_PORT = process.env.SLUICE_E2E_MYSQL_PORT ?? "13406";

/** The demo agent's `mariadb` command exactly as the start banner prints it, with a statement. */
function demoMariadb(sql: string) {
  return run("mariadb", [
    "-h",
    "localhost",
    "-P",
    MYSQL_PORT,
    "-u",
    "demo-agent",
    `-p${demoState().agentToken}`,
    `--ssl-ca=${HOME}/tls/ca.crt`,
    "--ssl-verify-server-cert",
    "--batch",
    "--skip-column-names",
    "demo_shop_mysql",
    "-e",
    sql,
  ]);
}

test("[AGENT] the demo agent's mariadb command reaches start's own MariaDB, masked and guarded", async () => {
  const rows = await demoMariadb("SELECT ssn, card_number FROM customers ORDER BY id LIMIT 2");
  expect(rows.stderr).toBe("");
  for (const line of rows.stdout.trim().split("\n")) {
    const [ssn, card] = line.split("\t");
    expect(ssn).toBe("[REDACTED]");
    expect(card).toMatch(/^\*{12}\d{4}$/);
  }
  const unscoped = await demoMariadb("DELETE FROM orders");
  expect(unscoped.stderr).toContain(
    'blocked by guardrail "no-unscoped-delete" on connection demo_shop_mysql',
  );
});
