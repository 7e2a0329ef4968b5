import { expect, test } from "@playwright/test";
import { demoState, GATEWAY_PORT, HOME, run, seriousViolations, signIn } from "./support";

test.use({ viewport: { width: 1440, height: 900 } });

test("[ADMIN] the dashboard shows health and rankings, and its names and bars open the matching sessions, filters kept in the URL", async ({
  page,
}) => {
  // One session of the demo agent, so today's bar and the rankings have something to show.
  const url = `postgresql://demo-agent:${demoState().agentToken}@localhost:${GATEWAY_PORT}/demo_shop?sslmode=verify-full&sslrootcert=${HOME}/tls/ca.crt`;
  const psql = await run("psql", ["-X", "-At", "-c", "SELECT count(*) FROM products", url]);
  expect(psql.stderr).toBe("");

  await signIn(page, "admin");
  await expect(page.getByTestId("store-health")).toContainText("reachable");
  await expect(page.getByTestId("gateway-health")).toContainText("alive");
  await expect(page.getByRole("heading", { name: /Waiting for review/ })).toBeVisible();
  // Scanned with data in it: the accessibility pass over every page may run before any session exists.
  await expect(page.getByRole("list", { name: "Busiest agents" })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  // A ranked agent opens its sessions; the filter is in the URL and survives a reload.
  const agents = page.getByRole("list", { name: "Busiest agents" });
  await agents.getByRole("link", { name: "demo-agent" }).click();
  await expect(page).toHaveURL(/\/sessions\?agent=demo-agent$/);
  await expect(page.getByLabel("Agent", { exact: true })).toHaveValue("demo-agent");
  await page.reload();
  await expect(page.getByLabel("Agent", { exact: true })).toHaveValue("demo-agent");
  await expect(page.getByRole("row").nth(1)).toContainText("demo-agent");
  // Part of the name, any case, finds it too.
  await page.getByLabel("Agent", { exact: true }).fill("DEMO");
  await expect(page).toHaveURL(/agent=DEMO/);
  await expect(page.getByRole("row").nth(1)).toContainText("demo-agent");

  // Today's sessions bar opens the sessions of that day.
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Dashboard" }).click();
  const today = new Date().toISOString().slice(0, 10);
  await page
    .getByRole("link", { name: new RegExp(`^Sessions on ${today}: \\d+, open the sessions$`) })
    .click();
  await expect(page).toHaveURL(/\/sessions\?from=.+&to=.+/);
  await expect(page.getByLabel("From")).not.toHaveValue("");
  await expect(page.getByRole("row").nth(1)).toContainText("demo-agent");
});
