import { expect, test } from "@playwright/test";
import { run, signIn, storeSuperuserUrl } from "./support";

test.use({ viewport: { width: 1440, height: 900 } });

/** SQL against the console's own store, behind its back, as an older version wrote rules. */
async function store(sql: string) {
  const result = await run("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-c", sql, storeSuperuserUrl()]);
  expect(result.stderr).toBe("");
}

// The stored rules match nothing by construction, so other specs' demo behaves as before.
test("[ADMIN] a guardrail and a review rule stored with patterns that never match are listed with why, and switch off", async ({
  page,
}) => {
  const suffix = Date.now().toString(36);
  const guardrail = `legacy-emp-${suffix}`;
  const reviewRule = `legacy-review-${suffix}`;
  await store(
    `INSERT INTO guardrail_rules (id, name, connection_id, kind, effect, match, updated_at)
       SELECT 'e2e-g-${suffix}', '${guardrail}', id, 'TABLE', 'DENY', '{"tables":["*.employees"]}', now()
       FROM connections WHERE name = 'demo_shop';
     INSERT INTO review_rules (id, name, connection_id, match, updated_at)
       SELECT 'e2e-r-${suffix}', '${reviewRule}', id, '{"columns":["*.employees.salary"]}', now()
       FROM connections WHERE name = 'demo_shop';`,
  );
  try {
    await signIn(page, "admin");
    await page.getByRole("link", { name: "Guardrails" }).click();
    const row = page.getByTestId(`guardrail-${guardrail}`);
    await expect(row.getByTestId("guardrail-parameters")).toHaveText("*.employees (read or write)");
    await expect(row.getByTestId("never-matches")).toHaveText(
      'never fires "*.employees" never matches: a table pattern is table, schema.table, schema.* or *. Edit the pattern or delete the guardrail.',
    );
    // A rule that can match carries no such note.
    await expect(page.getByTestId("never-matches")).toHaveCount(1);

    // Disable/Enable changes only the flag: the stored pattern, which a save now refuses, stays.
    await row.getByRole("button", { name: `Disable guardrail ${guardrail}` }).click();
    await expect(page.getByText(`Guardrail ${guardrail} disabled`)).toBeVisible();
    await expect(row).toContainText("disabled");
    await expect(row.getByRole("button", { name: `Enable guardrail ${guardrail}` })).toBeVisible();
    await expect(row.getByTestId("never-matches")).toBeVisible();
    await row.getByRole("button", { name: `Enable guardrail ${guardrail}` }).click();
    await expect(page.getByText(`Guardrail ${guardrail} enabled`)).toBeVisible();
    await expect(row.getByRole("button", { name: `Disable guardrail ${guardrail}` })).toBeVisible();

    await page.getByRole("link", { name: "Review rules" }).click();
    const reviewRow = page.getByTestId(`review-rule-${reviewRule}`);
    await expect(reviewRow).toContainText("columns *.employees.salary");
    await expect(reviewRow.getByTestId("never-matches")).toContainText(
      '"*.employees.salary" never matches: its table part is not one',
    );

    await reviewRow.getByRole("button", { name: `Disable review rule ${reviewRule}` }).click();
    await expect(reviewRow).toContainText("disabled");
    await expect(reviewRow.getByRole("button", { name: `Enable review rule ${reviewRule}` })).toBeVisible();

    // The note says what to do; deleting the rule takes it away.
    await reviewRow.getByRole("button", { name: `Delete review rule ${reviewRule}` }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete rule" }).click();
    await expect(reviewRow).toHaveCount(0);
  } finally {
    await store(
      `DELETE FROM guardrail_rules WHERE id = 'e2e-g-${suffix}'; DELETE FROM review_rules WHERE id = 'e2e-r-${suffix}';`,
    );
  }
});
