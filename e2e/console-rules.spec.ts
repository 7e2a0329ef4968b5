import { expect, test } from "@playwright/test";
import { signIn } from "./support";

test.use({ viewport: { width: 1440, height: 900 } });

// Rules here name tables that do not exist upstream, so the demo's behaviour for other specs is unchanged.

test("[ADMIN] a masking rule previews its strategy on a value like its column's, clears fixed field errors, and edits in place", async ({
  page,
}) => {
  const suffix = Date.now().toString(36);
  const name = `kit-mask-${suffix}`;
  await signIn(page, "admin");
  await page.getByRole("link", { name: "Masking" }).click();

  // A wrong selector: the message sits next to the field, and goes once the field is fixed.
  await page.getByLabel("Name").fill(name);
  await page.locator("#masking-connection").selectOption({ label: "demo_shop" });
  await page.getByLabel("Column selector").fill("card_number");
  await page.getByRole("button", { name: "Add masking rule" }).click();
  const selectorError = page.locator("#masking-selector-error");
  await expect(selectorError).toContainText("schema.table.column");
  await page.getByLabel("Column selector").fill(`public.e2e_none_${suffix}.card_number`);
  await expect(selectorError).toHaveCount(0);

  // The preview before saving: a card number, keeping its last four digits under PARTIAL.
  await page.getByLabel("Strategy").selectOption("PARTIAL");
  await page.getByLabel("Characters left visible").fill("4");
  const example = page.getByTestId("strategy-example");
  await expect(example).toContainText("4111 1111 1111 1111");
  await expect(example).toContainText(/as \S*1111/);
  await expect(example).not.toContainText("@example.com");
  await page.getByRole("button", { name: "Add masking rule" }).click();
  const row = page.getByTestId(`masking-rule-${name}`);
  await expect(row).toContainText("partial (last 4)");

  // Edit in place, then disable and delete.
  await row.getByRole("button", { name: `Edit masking rule ${name}` }).click();
  await expect(page.getByRole("heading", { name: `Edit masking rule ${name}` })).toBeVisible();
  await expect(page.getByLabel("Column selector")).toHaveValue(`public.e2e_none_${suffix}.card_number`);
  await page.getByLabel("Strategy").selectOption("REDACT");
  await page.getByRole("button", { name: "Save masking rule" }).click();
  await expect(row).toContainText("redact");
  await expect(page.getByRole("heading", { name: "New masking rule" })).toBeVisible();
  await row.getByRole("button", { name: `Disable masking rule ${name}` }).click();
  await expect(row).toContainText("disabled");
  await row.getByRole("button", { name: `Delete masking rule ${name}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete rule" }).click();
  await expect(row).toHaveCount(0);
});

test("[ADMIN] a review rule's expiry is in minutes like the review window, reads as words, and edits in place", async ({
  page,
}) => {
  const suffix = Date.now().toString(36);
  const name = `kit-review-${suffix}`;
  await signIn(page, "admin");
  await page.getByRole("link", { name: "Review rules" }).click();

  await page.getByLabel("Name").last().fill(name);
  await page.locator("#rule-connection").selectOption({ label: "demo_shop" });
  await page.getByLabel("Tables").fill(`public.e2e_none_${suffix}`);
  await page.getByLabel("Reviewer groups").fill("finance-leads");
  await page.getByLabel("Expires after (minutes)").fill("0.1");
  await page.getByRole("button", { name: "Add review rule" }).click();
  const expiryError = page.locator("#rule-expires-error");
  await expect(expiryError).toContainText("at least 30 seconds");
  await page.getByLabel("Expires after (minutes)").fill("15");
  await expect(expiryError).toHaveCount(0);
  await page.getByRole("button", { name: "Add review rule" }).click();
  const row = page.getByTestId(`review-rule-${name}`);
  await expect(row.getByTestId("review-rule-expiry")).toHaveText("15 min");
  await expect(row).toContainText(`tables public.e2e_none_${suffix}`);

  await row.getByRole("button", { name: `Edit review rule ${name}` }).click();
  await expect(page.getByLabel("Expires after (minutes)")).toHaveValue("15");
  await page.getByLabel("Expires after (minutes)").fill("90");
  await page.getByRole("button", { name: "Save review rule" }).click();
  await expect(row.getByTestId("review-rule-expiry")).toHaveText("1 h 30 min");

  await row.getByRole("button", { name: `Delete review rule ${name}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete rule" }).click();
  await expect(row).toHaveCount(0);
});
