import { spawn } from "node:child_process";
import { expect, type Page, test } from "@playwright/test";
import { demoState, GATEWAY_PORT, HOME, run, signIn, storeSuperuserUrl } from "./support";

test.use({ viewport: { width: 1440, height: 900 }, permissions: ["clipboard-read", "clipboard-write"] });

/** Posts to the console API as the signed-in page, with the origin header its CSRF check wants. */
async function post(page: Page, path: string, data: unknown) {
  const origin = new URL(page.url()).origin;
  const response = await page.request.post(`/api/v1${path}`, { headers: { origin }, data });
  expect(response.ok(), `${path}: ${await response.text()}`).toBe(true);
  return response.json();
}

test("[ADMIN] guardrails read as words, fit the card at 1440 px, edit in place, and delete only after a named confirmation", async ({
  page,
}) => {
  const name = `kit-guard-${Date.now().toString(36)}`;
  await signIn(page, "admin");
  await page.getByRole("link", { name: "Guardrails" }).click();
  await expect(page.getByRole("link", { name: "Guardrails" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByRole("link", { name: "Dashboard" })).not.toHaveAttribute("aria-current", "page");

  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Statement kinds").fill("drop, truncate");
  await page.getByRole("button", { name: "Add guardrail" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: `Guardrail ${name} saved` })).toBeVisible();
  const row = page.getByTestId(`guardrail-${name}`);
  await expect(row.getByTestId("guardrail-parameters")).toHaveText("DROP, TRUNCATE");

  // Every action of the row is inside its card: nothing hides behind a horizontal scroll.
  const overflow = await row.evaluate((element) => {
    const scroller = element.closest("div.overflow-x-auto") as HTMLElement;
    return scroller.scrollWidth - scroller.clientWidth;
  });
  expect(overflow).toBeLessThanOrEqual(0);

  // Edit in place: the form takes the rule, saving changes it.
  await row.getByRole("button", { name: `Edit guardrail ${name}` }).click();
  await expect(page.getByRole("heading", { name: `Edit guardrail ${name}` })).toBeVisible();
  await expect(page.getByLabel("Statement kinds")).toHaveValue("DROP, TRUNCATE");
  await page.getByLabel("Statement kinds").fill("DROP");
  await page.getByRole("button", { name: "Save guardrail" }).click();
  await expect(row.getByTestId("guardrail-parameters")).toHaveText("DROP");
  await expect(page.getByRole("heading", { name: "New guardrail" })).toBeVisible();

  // Delete asks first, naming the rule; Cancel and Escape keep it; keyboard reaches the dialog.
  await row.getByRole("button", { name: `Delete guardrail ${name}` }).click();
  const dialog = page.getByRole("dialog", { name: `Delete guardrail ${name}?` });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toBeVisible();
  await row.getByRole("button", { name: `Delete guardrail ${name}` }).focus();
  await page.keyboard.press("Enter");
  await expect(dialog).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(row).toBeVisible();
  await row.getByRole("button", { name: `Delete guardrail ${name}` }).click();
  await dialog.getByRole("button", { name: "Delete guardrail" }).click();
  await expect(row).toHaveCount(0);
  await expect(page.getByTestId("toast").filter({ hasText: `Guardrail ${name} deleted` })).toBeVisible();
});

test("[ADMIN] rotating an agent's tokens can keep the old one working for a grace window", async ({
  page,
}) => {
  const agentName = `kit-rotate-${Date.now().toString(36)}`;
  await signIn(page, "admin");
  const agent = (await post(page, "/agents", { name: agentName, groups: ["analysts"] })) as { id: string };
  const first = (await post(page, `/agents/${agent.id}/credentials`, {})) as { token: string };

  await page.getByRole("link", { name: "Agents" }).click();
  const row = page.getByTestId(`agent-${agentName}`);
  await row.getByRole("button", { name: `Rotate the tokens of agent ${agentName}` }).click();
  const dialog = page.getByRole("dialog", { name: `Rotate the tokens of ${agentName}?` });
  await dialog.getByLabel("Old tokens stop").selectOption({ label: "in 1 hour" });
  await dialog.getByRole("button", { name: "Rotate tokens" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: `Tokens of ${agentName} rotated` })).toBeVisible();
  await expect(row.getByTestId("credential-expiry")).toHaveCount(1);

  // The old token still opens a session through the gateway during the window.
  const url = `postgresql://${agentName}:${first.token}@localhost:${GATEWAY_PORT}/demo_shop?sslmode=verify-full&sslrootcert=${HOME}/tls/ca.crt`;
  const result = await run("psql", ["-X", "-At", "-c", "select 1", url]);
  expect(result.stderr).toBe("");
  expect(result.stdout.trim()).toBe("1");
});

test("[ADMIN] a new API token has a copy button, and revoking asks first", async ({ page }) => {
  const name = `kit-token-${Date.now().toString(36)}`;
  await signIn(page, "admin");
  await page.getByRole("link", { name: "API tokens" }).click();
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("api-token").textContent()) ?? "";
  expect(token).not.toBe("");
  await page.getByRole("button", { name: "Copy API token" }).click();
  await expect(page.getByRole("button", { name: "Copied API token" })).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);

  const row = page.getByRole("row").filter({ hasText: name });
  await row.getByRole("button", { name: `Revoke API token ${name}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke token" }).click();
  await expect(row.getByText("revoked")).toBeVisible();
});

test("[REVIEWER] lands on the inbox, whose badge counts the statements waiting", async ({ page }) => {
  const marker = `kit-badge-${Date.now()}`;
  const url = `postgresql://demo-agent:${demoState().agentToken}@localhost:${GATEWAY_PORT}/demo_shop?sslmode=verify-full&sslrootcert=${HOME}/tls/ca.crt`;
  const held = run("psql", [
    "-X",
    "-At",
    "-c",
    `SELECT id, salary FROM employees WHERE '${marker}' <> '' LIMIT 1`,
    url,
  ]);
  await signIn(page, "reviewer");
  await expect(page).toHaveURL(/\/reviews$/);
  const inbox = page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: /Reviews/ });
  await expect(inbox).toHaveAttribute("aria-current", "page");
  const row = page.getByRole("row").filter({ hasText: marker });
  await expect(row).toContainText("pending", { timeout: 15_000 });
  const badge = page.getByTestId("pending-reviews");
  await expect(badge).toBeVisible({ timeout: 15_000 });
  const counted = (await (await page.request.get("/api/v1/reviews/pending-count")).json()) as {
    pending: number;
  };
  expect(counted.pending).toBeGreaterThan(0);
  await expect(badge).toHaveText(/^\d+ pending$/);

  // Deny it so the agent's psql ends and the store holds no pending review of this run.
  await row.getByRole("link").click();
  await page.getByLabel("Reason (required to deny; the agent sees it)").fill("badge test");
  await page.getByRole("button", { name: "Deny" }).click();
  expect((await held).code).not.toBe(0);
});

test("every console page links a favicon the server serves", async ({ page }) => {
  await signIn(page, "auditor");
  const href = await page.locator('link[rel="icon"]').first().getAttribute("href");
  expect(href).toBeTruthy();
  const icon = await page.request.get(href ?? "");
  expect(icon.status()).toBe(200);
  expect(icon.headers()["content-type"]).toContain("image/svg");
});

test("[AUDITOR] the audit log names targets with links, shows changes field by field, and keeps filters in the URL", async ({
  page,
}) => {
  const name = `kit-audit-${Date.now().toString(36)}`;
  await signIn(page, "admin");
  const rule = (await post(page, "/guardrails", {
    name,
    kind: "STATEMENT_KIND",
    match: { kinds: ["DROP"] },
  })) as {
    id: string;
  };
  const origin = new URL(page.url()).origin;
  const patched = await page.request.patch(`/api/v1/guardrails/${rule.id}`, {
    headers: { origin },
    data: { name, kind: "STATEMENT_KIND", match: { kinds: ["DROP", "TRUNCATE"] }, isEnabled: true },
  });
  expect(patched.ok()).toBe(true);
  await page.context().clearCookies();

  await signIn(page, "auditor");
  await page.goto("/audit?targetType=guardrail&actor=admin%40sluice.local");
  await expect(page.getByLabel("Target")).toHaveValue("guardrail");
  await expect(page.getByLabel("Who")).toHaveValue("admin@sluice.local");
  const row = page
    .getByTestId("audit-row")
    .filter({ hasText: `guardrail ${name}` })
    .first();
  await expect(row.getByRole("link", { name: `guardrail ${name}` })).toHaveAttribute("href", "/guardrails");
  await expect(row.getByTestId("audit-changes")).toContainText("match.kinds");
  await expect(row.getByTestId("audit-changes")).toContainText('["DROP","TRUNCATE"]');
  await page.getByLabel("Action starts with").fill("guardrail.");
  await expect(page).toHaveURL(/action=guardrail\./);
  await page.reload();
  await expect(page.getByLabel("Action starts with")).toHaveValue("guardrail.");
});

test("[ADMIN] a page whose store answers slowly streams a skeleton at once, then the data rendered on the server", async ({
  page,
}) => {
  await signIn(page, "admin");
  const listRequests: string[] = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/api/v1/agents") listRequests.push(request.method());
  });
  // A really slow store: a transaction holds the agents table locked until the test lets it go.
  const locker = spawn("psql", ["-X", "-At", "-v", "ON_ERROR_STOP=1", storeSuperuserUrl()], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  try {
    const locked = new Promise<void>((resolve) =>
      locker.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("locked") && resolve()),
    );
    locker.stdin.write("BEGIN; LOCK TABLE agents IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n");
    await locked;
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Agents" }).click();
    await expect(page.getByTestId("page-skeleton")).toBeVisible();
    await expect(page.getByRole("heading", { name: "Agents", level: 1 })).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: "Loading agents" })).toBeVisible();
    locker.stdin.write("COMMIT;\n");
    await expect(page.getByTestId("agent-demo-agent")).toBeVisible();
    await expect(page.getByTestId("page-skeleton")).toHaveCount(0);
    // The rows came with the page: the browser did not have to ask the API for them.
    expect(listRequests).toEqual([]);
  } finally {
    locker.stdin.end();
    locker.kill();
  }
});
