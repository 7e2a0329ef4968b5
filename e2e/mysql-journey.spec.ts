import { expect, test } from "@playwright/test";
import { openSession } from "./sessions";
import { demoMariadb, signIn } from "./support";

test("[REVIEWER] a MySQL agent's salary read waits for the inbox and runs once approved", async ({
  page,
}) => {
  // An identifier, not a literal: literals of held statements are redacted in reviews and recordings.
  const marker = `pay_${Date.now()}`;
  const answer = demoMariadb(`SELECT id, salary AS ${marker} FROM employees ORDER BY id LIMIT 3`);

  await signIn(page, "reviewer");
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Reviews" }).click();
  const row = page.getByRole("row").filter({ hasText: marker });
  await expect(row).toContainText("pending", { timeout: 15_000 });
  await expect(row).toContainText("demo_shop_mysql");
  await row.getByRole("link").click();
  await expect(page.getByTestId("review-statement")).toContainText(marker);
  await page.getByRole("button", { name: "Approve" }).click();

  const result = await answer;
  expect(result.stderr).toBe("");
  const rows = result.stdout.trim().split("\n");
  expect(rows).toHaveLength(3);
  for (const line of rows) expect(line).toMatch(/^\d+\t\d+(\.\d+)?$/);
  await expect(page.getByText("executed")).toBeVisible({ timeout: 10_000 });
});

test("[AUDITOR] a MySQL session replays verified in the player, masked, with its refusal marked", async ({
  page,
}) => {
  const marker = `mrec_${Date.now()}`;
  const since = Date.now();
  const session = await demoMariadb(
    `SELECT first_name, ssn, 1 AS ${marker} FROM customers ORDER BY id LIMIT 2; DROP TABLE orders`,
  );
  expect(session.stdout).toContain("[REDACTED]");
  expect(session.stderr).toContain("no-drop-truncate");

  await signIn(page, "auditor");
  await openSession(page, { agent: "demo-agent", connection: "demo_shop_mysql", since, verdict: "denied" });

  await expect(page.getByTestId("chain-status")).toHaveText("verified");
  const terminal = page.getByTestId("terminal");
  await page.getByLabel("Speed").selectOption("16");
  await page.getByRole("button", { name: "Play" }).click();
  await expect(terminal).toContainText(marker, { timeout: 15_000 });
  await expect(terminal).toContainText("[REDACTED]", { timeout: 15_000 });
  await expect(terminal).toContainText("denied by no-drop-truncate", { timeout: 15_000 });
});
