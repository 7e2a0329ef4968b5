import { expect, test } from "@playwright/test";
import { demoState, GATEWAY_PORT, PG_PORT, run, signIn } from "./support";

test.use({ permissions: ["clipboard-read", "clipboard-write"] });

test("[ADMIN] signs in through the local OIDC provider, creates a connection, a masking rule and an agent, and psql with the copied string sees masked rows", async ({
  page,
}) => {
  const suffix = Date.now().toString(36);
  const connectionName = `e2e_shop_${suffix}`;
  const agentName = `e2e-agent-${suffix}`;
  const group = `e2e-analysts-${suffix}`;
  await signIn(page, "admin");

  // A connection: first with a wrong port (the message sits next to the field), then right.
  await page.getByRole("link", { name: "Connections" }).click();
  await page.getByRole("button", { name: "New connection" }).click();
  await page.getByLabel("Name").fill(connectionName);
  await page.getByLabel("Host").fill("127.0.0.1");
  await page.getByLabel("Port").fill("70000");
  await page.getByLabel("Upstream database").fill("demo_shop");
  await page.getByLabel("Upstream user").fill("sluice_demo");
  await page.getByLabel("Upstream password").fill(demoState().upstreamPassword);
  await page.getByLabel("TLS to the upstream").selectOption("DISABLE");
  await page.getByLabel("Agent groups allowed").fill(group);
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page.locator("#connection-port-error")).toHaveText("1 to 65535");
  await page.getByLabel("Port").fill(PG_PORT);
  await page.getByRole("button", { name: "Create connection" }).click();
  const row = page.getByTestId(`connection-${connectionName}`);
  await expect(row).toBeVisible();
  await row.getByRole("button", { name: "Test" }).click();
  await expect(row.getByTestId("test-result")).toContainText("ok · PostgreSQL");
  // The password never comes back to the browser.
  const listed = await page.request.get("/api/v1/connections");
  expect(await listed.text()).not.toContain(demoState().upstreamPassword);

  // A masking rule on that connection, checked in the preview.
  await page.getByRole("link", { name: "Masking" }).click();
  await page.getByLabel("Name").fill(`e2e-ssn-${suffix}`);
  await page.locator("#masking-connection").selectOption({ label: connectionName });
  await page.getByLabel("Column selector").fill("public.customers.ssn");
  await page.getByRole("button", { name: "Add masking rule" }).click();
  await expect(page.getByTestId(`masking-rule-e2e-ssn-${suffix}`)).toBeVisible();
  await page.locator("#preview-connection").selectOption({ label: connectionName });
  await page.locator("#preview-table").selectOption("public.customers");
  await expect(page.getByTestId("preview-ssn")).toContainText("redact");
  await expect(page.getByTestId("preview-first_name")).toContainText("clear");

  // The try box judges with the gateway's own decision point.
  await page.getByRole("link", { name: "Guardrails" }).click();
  await page.locator("#try-connection").selectOption({ label: "demo_shop" });
  await page.getByLabel("Statement", { exact: true }).fill("delete from orders");
  await page.getByRole("button", { name: "Judge it" }).click();
  await expect(page.getByTestId("verdict")).toContainText("Denied by no-unscoped-delete");
  await expect(page.getByTestId("verdict")).toContainText("DELETE on public.orders has no WHERE clause");
  // What the gateway holds for review shows as held, with the rule's reviewers.
  await page.getByLabel("Statement", { exact: true }).fill("select first_name, salary from employees");
  await page.getByRole("button", { name: "Judge it" }).click();
  await expect(page.getByTestId("verdict")).toContainText(
    "Held for review by rule salary-reads; reviewers: finance-leads.",
  );
  // A kind the gateway never reports is refused on the field, not saved as a rule that never fires.
  await page.locator("#guardrail-name").fill(`e2e-typo-${suffix}`);
  await page.locator("#guardrail-list").fill("ALTR");
  await page.getByRole("button", { name: "Add guardrail" }).click();
  await expect(page.locator("#guardrail-list-error")).toContainText('"ALTR" is not a statement kind');
  await expect(page.getByTestId(`guardrail-e2e-typo-${suffix}`)).toHaveCount(0);

  // An agent in the connection's group; its token is shown once, copied with the button.
  await page.getByRole("link", { name: "Agents" }).click();
  await page.getByRole("button", { name: "New agent" }).click();
  await page.getByLabel("Name").fill(agentName);
  await page.getByLabel("Groups").fill(group);
  await page.getByRole("button", { name: "Create agent and issue a token" }).click();
  await expect(page.getByTestId("connection-string")).toContainText(`${agentName}:sk_`);
  await page.getByRole("button", { name: "Copy connection string" }).click();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toContain(`@localhost:${GATEWAY_PORT}/${connectionName}`);

  const masked = await run("psql", [
    "-X",
    "-At",
    "-F",
    "|",
    "-c",
    "SELECT first_name, ssn FROM customers ORDER BY id LIMIT 5",
    copied,
  ]);
  expect(masked.stderr).toBe("");
  const rows = masked.stdout
    .trim()
    .split("\n")
    .map((line) => line.split("|"));
  expect(rows).toHaveLength(5);
  for (const [firstName, ssn] of rows) {
    expect(firstName).not.toBe("[REDACTED]");
    expect(ssn).toBe("[REDACTED]");
  }
  // The clear values, read directly from the upstream, appear nowhere in what the agent got.
  const direct = await run("psql", [
    "-X",
    "-At",
    "-c",
    "SELECT ssn FROM customers ORDER BY id LIMIT 5",
    `postgresql://sluice_demo:${encodeURIComponent(demoState().upstreamPassword)}@127.0.0.1:${PG_PORT}/demo_shop`,
  ]);
  for (const ssn of direct.stdout.trim().split("\n")) expect(masked.stdout).not.toContain(ssn);

  // Every change above is in the audit log with who did it.
  const audit = await page.request.get("/api/v1/audit-events?action=connection.create");
  const events = (await audit.json()) as { events: { actorName: string; after: { name: string } }[] };
  expect(events.events.find((event) => event.after.name === connectionName)?.actorName).toBe(
    "admin@sluice.local",
  );
});
