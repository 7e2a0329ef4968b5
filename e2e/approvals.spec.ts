import { expect, type Page, test } from "@playwright/test";
import { demoUrl, run, signIn, storeSuperuserUrl } from "./support";

/** Starts psql on a statement the demo's "salary-reads" rule holds; resolves when psql exits. */
function agentAsks(sql: string) {
  return run("psql", ["-X", "-At", "-F", "|", "-c", sql, demoUrl()]);
}

/** Opens the pending review of `marker`'s statement from the reviewer's inbox. */
async function openReview(page: Page, marker: string): Promise<void> {
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Reviews" }).click();
  const row = page.getByRole("row").filter({ hasText: marker });
  await expect(row).toContainText("pending", { timeout: 15_000 });
  // A pending review counts down to its expiry.
  await expect(row.getByTestId("review-when")).toContainText(/expires in \d+ min \d{2} s/);
  await row.getByRole("link").click();
  await expect(page.getByTestId("review-statement")).toContainText(marker);
}

test("[REVIEWER] the demo agent reads salaries, waits, and receives the rows once a reviewer approves in the inbox", async ({
  page,
}) => {
  const marker = `run-${Date.now()}`;
  const answer = agentAsks(`SELECT id, salary FROM employees WHERE '${marker}' <> '' ORDER BY id LIMIT 3`);
  await signIn(page, "reviewer");
  await openReview(page, marker);
  await expect(page.getByTestId("review-masking")).toBeVisible();
  await page.getByRole("button", { name: "Approve" }).click();
  const result = await answer;
  expect(result.stderr).toMatch(
    /NOTICE: {2}waiting for approval: review R-\d+ by finance-leads \(expires in 10 min\)/,
  );
  const rows = result.stdout.trim().split("\n");
  expect(rows).toHaveLength(3);
  for (const row of rows) expect(row).toMatch(/^\d+\|\d+\.\d{2}$/);
  await expect(page.getByText("executed")).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId("decision-at")).toHaveCount(1);

  // Decided reviews, newest decision first, with when each was decided; the filter is in the URL.
  await page.getByRole("link", { name: "All reviews" }).click();
  await page.getByRole("button", { name: "Decided" }).click();
  await expect(page).toHaveURL(/\/reviews\?status=decided$/);
  const first = page.getByRole("row").nth(1);
  await expect(first).toContainText(marker);
  await expect(first.getByTestId("review-when")).not.toBeEmpty();
  await page.reload();
  await expect(page.getByRole("button", { name: "Decided" })).toHaveAttribute("aria-pressed", "true");
});

test("[REVIEWER] a deny needs a reason, and the agent receives it as the error", async ({ page }) => {
  const marker = `deny-${Date.now()}`;
  const answer = agentAsks(`SELECT salary FROM employees WHERE '${marker}' <> '' LIMIT 1`);
  await signIn(page, "reviewer");
  await openReview(page, marker);
  await page.getByRole("button", { name: "Deny" }).click();
  await expect(page.locator("#deny-reason-error")).toHaveText("say why: the agent is shown the reason");
  await page.getByLabel("Reason (required to deny; the agent sees it)").fill("salaries are for payroll only");
  await page.getByRole("button", { name: "Deny" }).click();
  const result = await answer;
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(
    /ERROR: {2}review R-\d+ was denied by reviewer@sluice\.local: salaries are for payroll only/,
  );
  expect(result.stdout).toBe("");
});

test("[REVIEWER] a window grant lets the agent run the rule's statements without waiting again", async ({
  page,
}) => {
  const marker = `window-${Date.now()}`;
  const answer = agentAsks(`SELECT count(*) FROM employees WHERE salary > 0 AND '${marker}' <> ''`);
  await signIn(page, "reviewer");
  await openReview(page, marker);
  await page.getByLabel("This rule for a window").check();
  await page.getByLabel("Window (minutes)").fill("5");
  await page.getByRole("button", { name: "Approve" }).click();
  expect((await answer).stdout.trim()).toMatch(/^\d+$/);
  const next = await agentAsks("SELECT max(salary) > 0 FROM employees");
  expect(next.stderr).toBe("");
  expect(next.stdout.trim()).toBe("t");

  // Close the window again so the next run of this suite sees the hold from the start.
  const closed = await run("psql", [
    "-X",
    "-c",
    "UPDATE review_grants SET expires_at = now() WHERE kind = 'WINDOW'",
    storeSuperuserUrl(),
  ]);
  expect(closed.stderr).toBe("");
});
