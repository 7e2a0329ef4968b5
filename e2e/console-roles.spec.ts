import { expect, test } from "@playwright/test";
import { runSluice, signIn } from "./support";

const ADMIN_PAGES = [
  "/connections",
  "/agents",
  "/agents/any-id",
  "/masking",
  "/guardrails",
  "/review-rules",
  "/people",
  "/settings",
];

test("[REVIEWER] sees only the dashboard, reviews and API tokens; policy pages and routes are refused", async ({
  page,
}) => {
  await signIn(page, "reviewer");
  const nav = page.getByRole("navigation", { name: "Console" });
  // The inbox link carries a badge while statements wait ("Reviews3 pending").
  await expect(nav.getByRole("link")).toHaveText([/^Dashboard$/, /^Reviews(\d+ pending)?$/, /^API tokens$/]);
  for (const path of [...ADMIN_PAGES, "/audit", "/sessions"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole("heading", { name: "Your roles do not include this page" })).toBeVisible();
  }
  await page.goto("/reviews");
  await expect(page.getByRole("heading", { name: "Reviews" })).toBeVisible();

  const origin = new URL(page.url()).origin;
  const create = await page.request.post("/api/v1/connections", {
    headers: { origin },
    data: { name: "sneaky", host: "127.0.0.1", port: 5432, database: "x", username: "x" },
  });
  expect(create.status()).toBe(403);
  expect((await page.request.get("/api/v1/audit-events")).status()).toBe(403);
  expect(
    (
      await page.request.post("/api/v1/guardrails", {
        headers: { origin },
        data: { name: "g", kind: "READ_ONLY" },
      })
    ).status(),
  ).toBe(403);
});

test("[AUDITOR] sees the audit log and sessions, cannot change policy or read reviews", async ({ page }) => {
  await signIn(page, "auditor");
  const nav = page.getByRole("navigation", { name: "Console" });
  await expect(nav.getByRole("link")).toHaveText(["Dashboard", "Sessions", "Audit log", "API tokens"]);
  await nav.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByTestId("audit-row").first()).toBeVisible();
  for (const path of [...ADMIN_PAGES, "/reviews"]) {
    expect((await page.goto(path))?.status(), path).toBe(403);
  }
  const origin = new URL(page.url()).origin;
  expect((await page.request.get("/api/v1/reviews")).status()).toBe(403);
  expect((await page.request.get("/api/v1/connections")).status()).toBe(403);
  expect(
    (
      await page.request.post("/api/v1/masking-rules", {
        headers: { origin },
        data: { name: "m", columnSelector: "a.b.c" },
      })
    ).status(),
  ).toBe(403);
});

test("[ANONYMOUS] API requests without a session get 401, a forged cookie gets nothing, cross-site changes are refused", async ({
  page,
  playwright,
}) => {
  const anonymous = await playwright.request.newContext({
    baseURL: page.context().pages()[0]?.url() || undefined,
  });
  const baseURL = test.info().project.use.baseURL ?? "";
  expect((await anonymous.get(`${baseURL}/api/v1/connections`)).status()).toBe(401);
  const forged = await anonymous.get(`${baseURL}/api/v1/connections`, {
    headers: {
      cookie: "next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..forged.forged.forged",
    },
  });
  expect(forged.status()).toBe(401);
  expect(await forged.text()).not.toContain("demo_shop");
  expect((await anonymous.get(`${baseURL}/api/v1/openapi.json`)).status()).toBe(200);
  await anonymous.dispose();

  // A signed-in admin's browser tricked into a cross-site POST: the session cookie alone is not enough.
  await signIn(page, "admin");
  const crossSite = await page.request.post("/api/v1/agents", {
    headers: { origin: "https://evil.example" },
    data: { name: "planted" },
  });
  expect(crossSite.status()).toBe(403);
  const noOrigin = await page.request.post("/api/v1/agents", { data: { name: "planted" } });
  expect(noOrigin.status()).toBe(403);
});

test("[ADMIN] an API token acts for automation and the OpenAPI document describes the API", async ({
  page,
  playwright,
}) => {
  await signIn(page, "admin");
  await page.getByRole("link", { name: "API tokens" }).click();
  await page.getByLabel("Name").fill(`ci-${Date.now()}`);
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("api-token").textContent()) ?? "";
  expect(token).toMatch(/^slt_/);
  const baseURL = test.info().project.use.baseURL ?? "";
  const automation = await playwright.request.newContext({
    extraHTTPHeaders: { authorization: `Bearer ${token}` },
  });
  const agents = await automation.get(`${baseURL}/api/v1/agents`);
  expect(agents.status()).toBe(200);
  expect(((await agents.json()) as { name: string }[]).map((agent) => agent.name)).toContain("demo-agent");
  const document = (await (await automation.get(`${baseURL}/api/v1/openapi.json`)).json()) as {
    paths: Record<string, unknown>;
  };
  expect(Object.keys(document.paths)).toEqual(
    expect.arrayContaining(["/connections", "/agents/{id}/credentials", "/try-statement"]),
  );
  await automation.dispose();

  // The sluice CLI is an API client too.
  const cliEnv = { SLUICE_API_URL: baseURL, SLUICE_API_TOKEN: token };
  const name = `cli-bot-${Date.now().toString(36)}`;
  const created = await runSluice(["agents", "create", name, "--group", "demo-agents", "--json"], cliEnv);
  expect(created.stderr).toBe("");
  expect(JSON.parse(created.stdout)).toMatchObject({ agentName: name, token: expect.stringMatching(/^sk_/) });
  const listed = await runSluice(["agents", "list", "--json"], cliEnv);
  expect(
    (JSON.parse(listed.stdout) as { name: string; groups: string[] }[]).find((agent) => agent.name === name)
      ?.groups,
  ).toEqual(["demo-agents"]);
  const refused = await runSluice(["api", "GET", "/agents"], {
    ...cliEnv,
    SLUICE_API_TOKEN: "slt_wrong",
  });
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain("401");
});
