import { expect, test } from "@playwright/test";
import { demoState, GATEWAY_PORT, HOME, run, seriousViolations, signIn } from "./support";

test.use({ viewport: { width: 1440, height: 900 } });

test("[ADMIN] an agent's page shows when it was seen, what it ran, what was refused, and manages its tokens", async ({
  page,
}) => {
  // One session of the demo agent with one refused statement, so the page has both to show.
  const url = `postgresql://demo-agent:${demoState().agentToken}@localhost:${GATEWAY_PORT}/demo_shop?sslmode=verify-full&sslrootcert=${HOME}/tls/ca.crt`;
  const psql = await run("psql", [
    "-X",
    "-At",
    "-c",
    "SELECT count(*) FROM products",
    "-c",
    "TRUNCATE orders",
    url,
  ]);
  expect(psql.stderr).toContain("no-drop-truncate");

  await signIn(page, "admin");
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Agents" }).click();
  await expect(page).toHaveURL(/\/agents$/);
  await page.getByTestId("agent-demo-agent").getByRole("link", { name: "demo-agent", exact: true }).click();
  await expect(page).toHaveURL(/\/agents\/[^/]+$/);
  await expect(page.getByRole("heading", { name: "Agent demo-agent" })).toBeVisible();

  // The session ended when psql exited; the page refreshes by itself until the gateway has recorded it.
  const denials = page.getByTestId("agent-denials");
  await expect(denials).toContainText("TRUNCATE orders");
  await expect(denials).toContainText("no-drop-truncate");
  await expect(page.getByTestId("agent-fact-last")).not.toHaveText(/never|…/);
  await expect(page.getByTestId("agent-session-row").first()).toContainText("demo_shop");
  // The CA path reads as a path, not %2F escapes, and the string wraps instead of being cut off.
  await expect(page.getByText(/sslrootcert=\/.*ca\.crt/).first()).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  // A denial opens the session it happened in.
  await denials.getByRole("link", { name: "Replay the session" }).first().click();
  await expect(page).toHaveURL(/\/sessions\/[^/]+$/);
  await page.goBack();

  // "All sessions" opens the sessions list filtered on this agent.
  await page.getByRole("link", { name: "All sessions of demo-agent" }).click();
  await expect(page).toHaveURL(/\/sessions\?agent=demo-agent$/);
  await page.goBack();

  // Tokens are managed here as on the list: issuing one shows it once, with its connection string.
  await page.getByRole("button", { name: "Issue token for agent demo-agent" }).click();
  await expect(page.getByTestId("connection-string")).toContainText("demo-agent:sk_");
  await page.getByRole("button", { name: "I have copied it" }).click();
  await expect(page.getByTestId("connection-string")).toHaveCount(0);
});
