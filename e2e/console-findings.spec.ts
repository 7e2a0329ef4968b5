import { expect, test } from "@playwright/test";
import { demoState, GATEWAY_PORT, HOME, run, signIn } from "./support";

test.use({ viewport: { width: 1440, height: 900 } });

// Findings of issue 19 that no other spec pinned down (docs/console.md maps each finding to its test).

test("[AUDITOR] a gateway denial in the audit log reads as labelled text, not escaped JSON, and opens its session", async ({
  page,
}) => {
  // An identifier, so the statement is recorded as typed (literals in some statements are redacted).
  const marker = `audit_denial_${Date.now()}`;
  const url = `postgresql://demo-agent:${demoState().agentToken}@localhost:${GATEWAY_PORT}/demo_shop?sslmode=verify-full&sslrootcert=${HOME}/tls/ca.crt`;
  const psql = await run("psql", ["-X", "-At", "-c", `DROP TABLE ${marker}`, url]);
  expect(psql.stderr).toContain("no-drop-truncate");

  await signIn(page, "auditor");
  await page.goto("/audit?action=statement.denied");
  const row = page.getByTestId("audit-row").filter({ hasText: marker }).first();
  const details = row.getByTestId("audit-details");
  await expect(details.getByRole("term").filter({ hasText: "rule" })).toBeVisible({ timeout: 15_000 });
  await expect(details.getByRole("definition").filter({ hasText: /^no-drop-truncate$/ })).toBeVisible();
  await expect(details.getByRole("definition").filter({ hasText: `DROP TABLE ${marker}` })).toBeVisible();
  await expect(row).not.toContainText('\\"');
  await expect(row).not.toContainText('{"rule"');
  await row.getByRole("link", { name: /^session / }).click();
  await expect(page).toHaveURL(/\/sessions\/[^/]+$/);
  await expect(page.getByTestId("chain-status")).toBeVisible();
});

test("[ADMIN] revoking an agent's token asks first, naming the token and what stops", async ({ page }) => {
  const name = `kit-revoke-${Date.now().toString(36)}`;
  await signIn(page, "admin");
  const origin = new URL(page.url()).origin;
  const created = await page.request.post("/api/v1/agents", {
    headers: { origin },
    data: { name, groups: ["analysts"] },
  });
  const agent = (await created.json()) as { id: string };
  const issued = await page.request.post(`/api/v1/agents/${agent.id}/credentials`, {
    headers: { origin },
    data: {},
  });
  const token = ((await issued.json()) as { token: string }).token;

  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Agents" }).click();
  const row = page.getByTestId(`agent-${name}`);
  const revoke = row.getByRole("button", { name: new RegExp(`^Revoke credential \\S+ of agent ${name}$`) });
  await revoke.click();
  const dialog = page.getByRole("dialog", { name: /^Revoke credential \S+\?$/ });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  // Cancelled: the token still opens a session.
  const url = `postgresql://${name}:${token}@localhost:${GATEWAY_PORT}/demo_shop?sslmode=verify-full&sslrootcert=${HOME}/tls/ca.crt`;
  expect((await run("psql", ["-X", "-At", "-c", "SELECT 1", url])).stdout.trim()).toBe("1");

  await revoke.click();
  await dialog.getByRole("button", { name: "Revoke credential" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "Credential revoked" })).toBeVisible();
  await expect(row.getByText("revoked")).toBeVisible();
  expect((await run("psql", ["-X", "-At", "-c", "SELECT 1", url])).code).not.toBe(0);

  // It has a recorded session now, so deleting is refused with the reversible choice named.
  await row.getByRole("button", { name: `Delete agent ${name}` }).click();
  // The dialog says so before the click, not only the refusal after it.
  await expect(page.getByRole("dialog")).toContainText("recorded sessions cannot be deleted");
  await page.getByRole("dialog").getByRole("button", { name: "Delete agent" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "disable it instead" })).toBeVisible();
  await expect(row).toBeVisible();
});

test("[AUDITOR] the dashboard refreshes by itself: a new session and a new denial appear without a reload", async ({
  page,
}) => {
  const marker = `dash_live_${Date.now()}`;
  await signIn(page, "auditor");
  const today = new Date().toISOString().slice(0, 10);
  const todayBar = page.getByRole("link", {
    name: new RegExp(`^Sessions on ${today}: \\d+, open the sessions$`),
  });
  const before = Number(/: (\d+),/.exec((await todayBar.getAttribute("aria-label")) ?? "")?.[1]);
  const url = `postgresql://demo-agent:${demoState().agentToken}@localhost:${GATEWAY_PORT}/demo_shop?sslmode=verify-full&sslrootcert=${HOME}/tls/ca.crt`;
  expect((await run("psql", ["-X", "-At", "-c", `TRUNCATE ${marker}`, url])).stderr).toContain(
    "no-drop-truncate",
  );
  // The page polls the store; nothing here reloads or navigates.
  const latest = page
    .locator("section")
    .filter({ has: page.getByRole("heading", { name: "Latest denials" }) });
  await expect(latest).toContainText(`TRUNCATE ${marker}`, { timeout: 30_000 });
  await expect(
    page.getByRole("link", { name: new RegExp(`^Sessions on ${today}: ${before + 1}, open the sessions$`) }),
  ).toBeVisible({ timeout: 30_000 });
});

test("[ADMIN] a guardrail's kind is picked from named kinds, not typed as free text", async ({ page }) => {
  await signIn(page, "admin");
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Guardrails" }).click();
  const kind = page.getByRole("combobox", { name: "Looks at" });
  await expect(kind).toBeVisible();
  const options = await kind.locator("option").allTextContents();
  expect(options.length).toBeGreaterThan(2);
  // Each kind reads as words, not as its enum name.
  for (const option of options) expect(option).not.toMatch(/^[A-Z_]+$/);
});
