import { expect, test } from "@playwright/test";
import { type DemoRole, seriousViolations, signIn } from "./support";

/** Every page each role can open; the sign-in page is checked signed out. */
const PAGES_BY_ROLE: Record<DemoRole, string[]> = {
  admin: [
    "/dashboard",
    "/connections",
    "/agents",
    "/masking",
    "/guardrails",
    "/review-rules",
    "/reviews",
    "/sessions",
    "/audit",
    "/people",
    "/settings",
    "/api-tokens",
  ],
  reviewer: ["/reviews", "/dashboard", "/api-tokens"],
  auditor: ["/dashboard", "/sessions", "/audit", "/api-tokens"],
};

test("the sign-in page has no serious accessibility violation", async ({ page }) => {
  await page.goto("/sign-in");
  expect(await seriousViolations(page)).toEqual([]);
});

for (const [role, pages] of Object.entries(PAGES_BY_ROLE) as [DemoRole, string[]][]) {
  test(`[${role.toUpperCase()}] every page has no serious accessibility violation`, async ({ page }) => {
    // axe takes seconds per page on a busy machine; the budget grows with the pages scanned.
    test.setTimeout(30_000 + 30_000 * pages.length);
    await signIn(page, role);
    const found: { path: string; violations: Awaited<ReturnType<typeof seriousViolations>> }[] = [];
    for (const path of pages) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      // Panels fill in from the API after the first paint; judge the page once they have.
      await page.waitForLoadState("networkidle");
      const violations = await seriousViolations(page);
      if (violations.length > 0) found.push({ path, violations });
    }
    // Every page is scanned before failing, so one run lists everything to fix.
    expect(found).toEqual([]);
  });
}
