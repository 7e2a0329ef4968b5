import { expect, test } from "@playwright/test";
import { demoMariadb } from "./support";

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
