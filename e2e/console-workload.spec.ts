import { expect, type Page, test } from "@playwright/test";
import { demoState, GATEWAY_PORT, HOME, run, signIn } from "./support";

const OIDC_PORT = process.env.SLUICE_E2E_OIDC_PORT ?? "3101";
const ISSUER = `http://127.0.0.1:${OIDC_PORT}`;

/** A token of the demo workload (client credentials at the local provider), as the agent's platform gets one. */
async function demoWorkloadToken(): Promise<string> {
  const secret = demoState().workloadClientSecret;
  if (!secret) throw new Error("the demo has no workload client");
  const response = await fetch(`${ISSUER}/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`demo-workload:${secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ grant_type: "client_credentials", resource: "urn:sluice:gateway" }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Enables or disables an agent by name through the console API, as the signed-in page. */
async function setAgentDisabled(page: Page, name: string, isDisabled: boolean): Promise<void> {
  const agents = (await (await page.request.get("/api/v1/agents")).json()) as { id: string; name: string }[];
  const agent = agents.find((candidate) => candidate.name === name);
  if (!agent) throw new Error(`no agent ${name}`);
  const origin = new URL(page.url()).origin;
  const response = await page.request.patch(`/api/v1/agents/${agent.id}`, {
    headers: { origin },
    data: { isDisabled },
  });
  expect(response.ok(), await response.text()).toBe(true);
}

test("[ADMIN] gives an agent a workload identity, field by field, and it connects with a provider token only", async ({
  page,
}) => {
  const agentName = `e2e-wl-${Date.now().toString(36)}`;
  await signIn(page, "admin");
  await page.getByRole("link", { name: "Agents" }).click();
  await page.getByRole("button", { name: "New agent" }).click();
  await page.getByLabel("Name", { exact: true }).fill(agentName);

  // Wrong on purpose: each message sits next to its own field.
  await page.getByLabel("Token issuer").fill("ftp://issuer.example");
  await page.getByLabel("Token subject (sub)").fill("demo-workload");
  await page.getByLabel("Required claims").fill("no equals sign here");
  await page.getByRole("button", { name: "Create agent", exact: true }).click();
  await expect(page.locator("#agent-workload-claims-error")).toContainText("write claim=value");
  await page.getByLabel("Required claims").fill("");
  await page.getByRole("button", { name: "Create agent", exact: true }).click();
  await expect(page.locator("#agent-workload-issuer-error")).toHaveText(
    "must be https (http only for localhost)",
  );
  await expect(page.locator("#agent-workload-audience-error")).toHaveText(
    "required: a value the token's aud holds",
  );
  // A message goes as soon as its field is edited.
  await page.getByLabel("Token issuer").fill(ISSUER);
  await expect(page.locator("#agent-workload-issuer-error")).toHaveCount(0);
  await page.getByLabel("Token audience").fill("urn:sluice:gateway");
  await page.getByLabel("Group claim").fill("groups");
  await page.getByRole("button", { name: "Create agent", exact: true }).click();
  // The demo's workload agent already accepts these tokens: one token must never sign in as two agents.
  await expect(page.locator("#agent-workload-subject-error")).toContainText(
    "agent demo-workload-agent already accepts tokens from this issuer with this subject",
  );
  await setAgentDisabled(page, "demo-workload-agent", true);
  try {
    await page.getByRole("button", { name: "Create agent", exact: true }).click();
    await connectsWithProviderTokenOnly(page, agentName);
  } finally {
    // The demo agent back as it was (this one out of its way first, or that would overlap).
    await setAgentDisabled(page, agentName, true).catch(() => {});
    await setAgentDisabled(page, "demo-workload-agent", false);
  }
});

async function connectsWithProviderTokenOnly(page: Page, agentName: string): Promise<void> {
  // No static token is issued: the list marks the agent, and nothing was revealed.
  const row = page.getByTestId(`agent-${agentName}`);
  await expect(row.getByText("workload token", { exact: true })).toBeVisible();
  await expect(page.getByTestId("connection-string")).toHaveCount(0);

  // Editing another field keeps the mapping the form showed.
  await row.getByRole("button", { name: `Edit agent ${agentName}` }).click();
  await expect(page.getByLabel("Token issuer")).toHaveValue(ISSUER);
  await page.getByLabel("Description").fill("reads the demo shop with a workload token");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(row.getByText("reads the demo shop with a workload token")).toBeVisible();

  // Its page shows how it connects with a workload token.
  await row.getByRole("link", { name: agentName }).click();
  const snippet = page.getByTestId("workload-snippet");
  await expect(snippet).toContainText(`whose sub is demo-workload`);
  await expect(snippet.locator("pre")).toContainText("-d resource=urn:sluice:gateway");
  await expect(snippet.locator("pre")).toContainText(`postgresql://${agentName}@localhost:${GATEWAY_PORT}/`);

  // The agent has no static secret: psql signs in with the provider's short-lived token.
  const token = await demoWorkloadToken();
  const psql = await run(
    "psql",
    [
      `postgresql://${agentName}@localhost:${GATEWAY_PORT}/demo_shop?sslmode=verify-full&sslrootcert=${HOME}/tls/ca.crt`,
      "-Atc",
      "SELECT count(*) > 0 FROM customers",
    ],
    { PGPASSWORD: token },
  );
  expect(psql.stderr).toBe("");
  expect(psql.stdout.trim()).toBe("t");
}

test("[ADMIN] the demo's workload agent is listed with its snippet, and the demo token signs it in", async ({
  page,
}) => {
  await signIn(page, "admin");
  await page.getByRole("link", { name: "Agents" }).click();
  await page
    .getByTestId("agent-demo-workload-agent")
    .getByRole("link", { name: "demo-workload-agent" })
    .click();
  await expect(page.getByTestId("workload-snippet")).toContainText(ISSUER);
  const psql = await run(
    "psql",
    [
      `postgresql://demo-workload-agent@localhost:${GATEWAY_PORT}/demo_shop?sslmode=verify-full&sslrootcert=${HOME}/tls/ca.crt`,
      "-Atc",
      "SELECT ssn FROM customers LIMIT 1",
    ],
    { PGPASSWORD: await demoWorkloadToken() },
  );
  // The demo's masking applies to it as to any agent.
  expect(psql.stdout.trim()).toBe("[REDACTED]");
});
