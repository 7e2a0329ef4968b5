import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { expect, type Locator, type Page, test } from "@playwright/test";
import { type DemoRole, demoState, GATEWAY_PORT, HOME, run, seriousViolations, signIn } from "./support";

const demoUrl = () =>
  `postgresql://demo-agent:${demoState().agentToken}@localhost:${GATEWAY_PORT}/demo_shop?sslmode=verify-full&sslrootcert=${HOME}/tls/ca.crt`;
/** Held by the demo's salary rule for the whole file, so every reviewer has a review page to open. */
const HELD_MARKER = `a11y-${Date.now()}`;

/** Every page in the nav each role can open; the sign-in page is checked signed out. */
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
    // The terminal sign-in approval, with a well-formed link as `sluice login` prints it.
    `/cli-login?key=${randomBytes(32).toString("hex")}&prefix=slt_a11yAB&name=a11y`,
  ],
  // The 403 page is a page too: a reviewer sees it on the audit log.
  reviewer: ["/reviews", "/dashboard", "/api-tokens", "/audit"],
  auditor: ["/dashboard", "/sessions", "/audit", "/api-tokens"],
};

/** Pages reached from a list, opened as a person would: a row's link on the list page. */
type DetailPage = { list: string; link: (page: Page) => Locator };
const AGENT_PAGE: DetailPage = {
  list: "/agents",
  link: (page) => page.getByTestId("agent-demo-agent").getByRole("link", { name: "demo-agent", exact: true }),
};
const SESSION_PAGE: DetailPage = {
  list: "/sessions",
  link: (page) => page.getByTestId("session-row").first().getByRole("link").first(),
};
const REVIEW_PAGE: DetailPage = {
  list: "/reviews",
  link: (page) => page.getByRole("row").filter({ hasText: HELD_MARKER }).getByRole("link").first(),
};
const DETAIL_PAGES_BY_ROLE: Record<DemoRole, DetailPage[]> = {
  admin: [AGENT_PAGE, SESSION_PAGE, REVIEW_PAGE],
  reviewer: [REVIEW_PAGE],
  auditor: [SESSION_PAGE],
};

let held: ChildProcess | undefined;

test.beforeAll(async () => {
  // One finished session, so the sessions list has a replay to open.
  expect((await run("psql", ["-X", "-At", "-c", "SELECT 1", demoUrl()])).stdout.trim()).toBe("1");
  held = spawn(
    "psql",
    ["-X", "-At", "-c", `SELECT salary FROM employees WHERE '${HELD_MARKER}' <> '' LIMIT 1`, demoUrl()],
    { stdio: "ignore" },
  );
});

test.afterAll(() => {
  held?.kill();
});

type Found = { path: string; violations: Awaited<ReturnType<typeof seriousViolations>> };

/** Scans the page once its data has arrived (panels fill in after the first paint). */
async function scan(page: Page, found: Found[]) {
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await page.waitForLoadState("networkidle");
  const violations = await seriousViolations(page);
  if (violations.length > 0) found.push({ path: new URL(page.url()).pathname, violations });
}

test("the sign-in page has no serious accessibility violation", async ({ page }) => {
  await page.goto("/sign-in");
  expect(await seriousViolations(page)).toEqual([]);
});

for (const [role, pages] of Object.entries(PAGES_BY_ROLE) as [DemoRole, string[]][]) {
  test(`[${role.toUpperCase()}] every page has no serious accessibility violation`, async ({ page }) => {
    const details = DETAIL_PAGES_BY_ROLE[role];
    // axe takes seconds per page on a busy machine; the budget grows with the pages scanned.
    test.setTimeout(30_000 + 30_000 * (pages.length + details.length));
    await signIn(page, role);
    const found: Found[] = [];
    for (const path of pages) {
      await page.goto(path);
      await scan(page, found);
    }
    for (const detail of details) {
      await page.goto(detail.list);
      await detail.link(page).click({ timeout: 20_000 });
      await expect(page).toHaveURL(new RegExp(`${detail.list}/[^/?]+$`));
      await scan(page, found);
    }
    // Every page is scanned before failing, so one run lists everything to fix.
    expect(found).toEqual([]);
  });
}
