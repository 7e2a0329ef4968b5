import { expect, test } from "@playwright/test";

test("[ANONYMOUS] the console sends a visitor to the sign-in page", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole("heading", { name: "Sign in to Sluice" })).toBeVisible();
});
