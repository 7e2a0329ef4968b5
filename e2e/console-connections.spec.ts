import { expect, test } from "@playwright/test";
import { MYSQL_PORT, run, seriousViolations, signIn } from "./support";

test.use({ viewport: { width: 1440, height: 900 }, permissions: ["clipboard-read", "clipboard-write"] });

const HTTP_PORT = process.env.SLUICE_E2E_HTTP_PORT ?? "18180";

// Connections here point at upstreams that do not exist: what is checked is the console, the
// snippets it hands out, and the gateway's own answers before any call would go upstream.

test("[ADMIN] an HTTP connection is created with field errors that clear, and its curl snippet reaches the gateway with the agent's token", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const suffix = Date.now().toString(36);
  const name = `e2e-crm-${suffix}`;
  const group = `e2e-crm-agents-${suffix}`;
  const agentName = `e2e-crm-bot-${suffix}`;
  await signIn(page, "admin");
  await page.getByRole("link", { name: "Connections" }).click();
  await page.getByRole("button", { name: "New connection" }).click();

  // HTTP fields appear for the HTTP kind; what the gateway would misread is refused on its field.
  await page.getByLabel("Kind").selectOption("HTTP");
  await expect(page.getByLabel("Port")).toHaveValue("443");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Host").fill("crm.invalid");
  await page.getByLabel("Base path").fill("api v2");
  // An HTTP upstream needs a user only with basic auth: the field appears with it, and is required.
  await expect(page.getByLabel("Upstream user")).toHaveCount(0);
  await page.getByLabel("Secret sent upstream as").selectOption("BASIC");
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page.locator("#connection-username-error")).toContainText("basic authentication sends user");
  await page.getByLabel("Secret sent upstream as").selectOption("HEADER");
  await expect(page.getByLabel("Upstream user")).toHaveCount(0);
  await page.getByLabel("Header name").fill("Host");
  await page.getByLabel("Agent groups allowed").fill(group);
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page.locator("#connection-database-error")).toContainText("base path");
  await expect(page.locator("#connection-httpAuthHeader-error")).toContainText("sets or refuses Host");
  await expect(page.locator("#connection-password-error")).toContainText("type the secret");
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByLabel("Base path").fill("/api/v2");
  await expect(page.locator("#connection-database-error")).toHaveCount(0);
  await page.getByLabel("Header name").fill("X-Api-Key");
  await page.getByLabel("Upstream secret (API key or token)").fill("crm-upstream-secret");
  await page.getByLabel("Upstream timeout (seconds)").fill("45");
  await page.getByRole("button", { name: "Create connection" }).click();
  const row = page.getByTestId(`connection-${name}`);
  await expect(row.getByTestId("connection-kind")).toHaveText("HTTP API");
  await expect(row).toContainText("https://crm.invalid:443/api/v2");
  // The console's connection test speaks PostgreSQL only: it is not offered for HTTP.
  await expect(row.getByRole("button", { name: "Test" })).toHaveCount(0);

  // Edit in place keeps the stored secret when the address does not change.
  await row.getByRole("button", { name: "Edit" }).click();
  await expect(page.getByLabel("Header name")).toHaveValue("X-Api-Key");
  await page.getByLabel("Upstream timeout (seconds)").fill("");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { name: `Edit ${name}` })).toHaveCount(0);

  // The page's snippets are for HTTP: a base URL on the HTTP listener, curl and requests.
  await row.getByRole("button", { name: `How agents connect to ${name}` }).click();
  await expect(page.getByTestId("connection-string")).toHaveText(`https://localhost:${HTTP_PORT}/${name}/`);
  await expect(page.getByTestId("connect-snippet")).toHaveCount(2);
  await expect(page.getByTestId("connect-snippet").first()).toContainText("curl");
  expect(await seriousViolations(page)).toEqual([]);

  // A guardrail on the connection, so the gateway answers without an upstream.
  await page.getByRole("link", { name: "Guardrails" }).click();
  await page.locator("#guardrail-name").fill(`e2e-no-admin-${suffix}`);
  await page.locator("#guardrail-connection").selectOption({ label: name });
  await page.getByLabel("Looks at").selectOption("HTTP_REQUEST");
  await page.getByLabel("Path").first().fill("/admin/**");
  await page.getByLabel("Message to the agent").fill("use the public endpoints");
  await page.getByRole("button", { name: "Add guardrail" }).click();
  await expect(page.getByTestId(`guardrail-e2e-no-admin-${suffix}`)).toContainText("/admin/**");

  // The agent's token arrives with the HTTP snippets filled in, and the curl one works as pasted.
  await page.getByRole("link", { name: "Agents" }).click();
  await page.getByRole("button", { name: "New agent" }).click();
  await page.getByLabel("Name").fill(agentName);
  await page.getByLabel("Groups").fill(group);
  await page.getByRole("button", { name: "Create agent and issue a token" }).click();
  await expect(page.getByTestId("connection-string")).toHaveText(`https://localhost:${HTTP_PORT}/${name}/`);
  await page.getByRole("button", { name: "Copy the curl snippet" }).click();
  const curl = await page.evaluate(() => navigator.clipboard.readText());
  expect(curl).toMatch(/-H 'Authorization: Bearer sk_/);
  // The gateway judges the call with the agent's token and refuses it by the rule, before any upstream.
  await expect(async () => {
    const answer = await run("bash", ["-c", `${curl}admin/users -s -w '\\n%{http_code}'`]);
    expect(answer.stdout).toContain(`e2e-no-admin-${suffix}`);
    expect(answer.stdout).toContain("use the public endpoints");
    expect(answer.stdout.trim().split("\n").at(-1)).toBe("403");
  }).toPass({ timeout: 20_000 });
});

test("[ADMIN] a MySQL connection's token comes with CLI, mysql2, PyMySQL and SQLAlchemy snippets on the MySQL listener", async ({
  page,
}) => {
  const suffix = Date.now().toString(36);
  const name = `e2e_my_${suffix}`;
  const group = `e2e-my-agents-${suffix}`;
  const agentName = `e2e-my-bot-${suffix}`;
  await signIn(page, "admin");
  await page.getByRole("link", { name: "Connections" }).click();
  await page.getByRole("button", { name: "New connection" }).click();
  await page.getByLabel("Kind").selectOption("MYSQL");
  await expect(page.getByLabel("Port")).toHaveValue("3306");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Host").fill("mysql.invalid");
  await page.getByLabel("Upstream database").fill("shop");
  await page.getByLabel("Upstream user").fill("app");
  await page.getByLabel("Upstream password").fill("mysql-upstream-secret");
  await page.getByLabel("Agent groups allowed").fill(group);
  await page.getByRole("button", { name: "Create connection" }).click();
  const row = page.getByTestId(`connection-${name}`);
  await expect(row.getByTestId("connection-kind")).toHaveText("MySQL / MariaDB");
  await expect(row).toContainText("app@mysql.invalid:3306/shop");

  await page.getByRole("link", { name: "Agents" }).click();
  await page.getByRole("button", { name: "New agent" }).click();
  await page.getByLabel("Name").fill(agentName);
  await page.getByLabel("Groups").fill(group);
  await page.getByRole("button", { name: "Create agent and issue a token" }).click();
  await expect(page.getByTestId("connection-string")).toContainText(
    new RegExp(`^mysql://${agentName}:sk_[^@]+@localhost:${MYSQL_PORT}/${name}$`),
  );
  const snippets = page.getByTestId("connect-snippet");
  await expect(snippets).toHaveCount(4);
  await expect(snippets.first()).toContainText(`mysql -h localhost -P ${MYSQL_PORT} -u ${agentName} -psk_`);
  await expect(snippets.first()).toContainText("--ssl-verify-server-cert");
  // The CLI snippet, pasted as is, logs the agent in over verified TLS: the gateway then tries the
  // (absent) upstream, which only happens after the token was accepted.
  await page.getByRole("button", { name: "Copy the mysql / mariadb CLI snippet" }).click();
  const cli = await page.evaluate(() => navigator.clipboard.readText());
  const answer = await run("bash", ["-c", `${cli} -e 'select 1'`]);
  expect(answer.stderr).toContain(`Sluice could not log in to connection "${name}"`);
  expect(answer.stderr).not.toMatch(/access denied for|SSL|TLS/i);
  await expect(snippets.nth(1)).toContainText('import mysql from "mysql2/promise"');
  await expect(snippets.nth(2)).toContainText("import pymysql");
  await expect(snippets.nth(2)).toContainText(`port=${MYSQL_PORT},`);
  await expect(snippets.nth(3)).toContainText(`mysql+pymysql://${agentName}:`);
  // Neither the upstream's password nor a Postgres URI is in what the agent is given.
  await expect(page.getByText("mysql-upstream-secret")).toHaveCount(0);
  await expect(page.getByText("postgresql://")).toHaveCount(0);
  expect(await seriousViolations(page)).toEqual([]);
});

test("[ADMIN] every wrong field of a MySQL or HTTP connection gets its message next to the field", async ({
  page,
}) => {
  const suffix = Date.now().toString(36);
  await signIn(page, "admin");
  await page.getByRole("link", { name: "Connections" }).click();
  await page.getByRole("button", { name: "New connection" }).click();

  await page.getByLabel("Kind").selectOption("MYSQL");
  await page.getByLabel("Host").fill("db host");
  await page.getByLabel("Port").fill("70000");
  await page.getByLabel("Upstream database").fill("orders");
  await page.getByLabel("Upstream user").fill("app");
  await page.getByLabel("Agent groups allowed").fill("analysts, data-team!");
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page.locator("#connection-name-error")).toHaveText("required");
  await expect(page.locator("#connection-host-error")).toContainText(
    "a host name (db.internal) or an IP address",
  );
  await expect(page.locator("#connection-port-error")).toHaveText("1 to 65535");
  await expect(page.locator("#connection-allowedGroups-error")).toContainText(
    '"data-team!": letters, digits',
  );
  await expect(page.locator("#connection-allowedGroups")).toHaveAttribute("aria-invalid", "true");
  expect(await seriousViolations(page)).toEqual([]);
  // Each message goes as its field is edited.
  await page.getByLabel("Name").fill(`e2e-orders-${suffix}`);
  await expect(page.locator("#connection-name-error")).toHaveCount(0);
  await expect(page.locator("#connection-host-error")).toHaveCount(1);

  // An HTTP upstream's address pasted whole is refused on the host, saying where its parts go.
  await page.getByLabel("Kind").selectOption("HTTP");
  await page.getByLabel("Host").fill("https://crm.example.com/api");
  await page.getByLabel("Port").fill("443");
  // The MySQL database typed above is no base path: said on that field, below.
  await expect(page.getByLabel("Base path")).toHaveValue("orders");
  await page.getByLabel("Agent groups allowed").fill("analysts");
  await page.getByLabel("Upstream secret (API key or token)").fill("crm-secret");
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page.locator("#connection-host-error")).toContainText("no scheme (https://) or path");
  await expect(page.locator("#connection-port-error")).toHaveCount(0);
  await page.getByLabel("Host").fill("crm.example.com:8443");
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page.locator("#connection-host-error")).toHaveText("the host alone: the port goes in Port");

  await page.getByLabel("Host").fill("crm.example.com");
  await page.getByRole("button", { name: "Create connection" }).click();
  // What each kind reads differently is checked once the fields every kind has are right.
  await expect(page.locator("#connection-database-error")).toContainText("a base path such as / or /api/v2");
  await page.getByLabel("Base path").fill("/api");
  await page.getByRole("button", { name: "Create connection" }).click();
  const row = page.getByTestId(`connection-e2e-orders-${suffix}`);
  await expect(row).toContainText("https://crm.example.com:443/api");
  await row.getByRole("button", { name: `Delete connection e2e-orders-${suffix}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete connection" }).click();
  await expect(row).toHaveCount(0);
});
