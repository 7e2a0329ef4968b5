import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { openSession } from "./sessions";
import { demoState, demoUrl, PG_PORT, run, signIn } from "./support";

const upstreamUrl = () =>
  `postgresql://sluice_demo:${encodeURIComponent(demoState().upstreamPassword)}@127.0.0.1:${PG_PORT}/demo_shop`;

test("[AUDITOR] replays a demo session: verified, plays, seeks, shows placeholders and no clear value, exports asciicast", async ({
  page,
}) => {
  // An identifier, not a literal: literals in statements that read masked tables are redacted in recordings.
  const marker = `rec_${Date.now()}`;
  const since = Date.now();
  const session = await run("psql", [
    "-X",
    "-c",
    `SELECT first_name, ssn, 1 AS ${marker} FROM customers ORDER BY id LIMIT 3`,
    "-c",
    "DROP TABLE orders",
    demoUrl(),
  ]);
  expect(session.stdout).toContain("[REDACTED]");
  const clearSsns = (
    await run("psql", ["-X", "-At", "-c", "SELECT ssn FROM customers ORDER BY id LIMIT 3", upstreamUrl()])
  ).stdout
    .trim()
    .split("\n");
  expect(clearSsns).toHaveLength(3);

  await signIn(page, "auditor");
  await openSession(page, { agent: "demo-agent", connection: "demo_shop", since, verdict: "denied" });

  await expect(page.getByTestId("chain-status")).toHaveText("verified");
  const terminal = page.getByTestId("terminal");
  await expect(terminal).toBeVisible();
  await page.getByLabel("Speed").selectOption("16");
  await page.getByRole("button", { name: "Play" }).click();
  await expect(terminal).toContainText(marker, { timeout: 15_000 });
  await expect(terminal).toContainText("[REDACTED]", { timeout: 15_000 });
  await expect(terminal).toContainText("denied by no-drop-truncate", { timeout: 15_000 });
  await expect(page.getByRole("button", { name: "Play" })).toBeVisible({ timeout: 15_000 });

  // Seek back to the start, then jump to the denied statement's marker.
  await page.getByRole("slider", { name: "Seek" }).fill("0");
  await expect(terminal).not.toContainText("[REDACTED]");
  await page.locator('[data-marker="denied"]').first().click();
  await expect(terminal).toContainText("DROP TABLE orders");
  await page.getByLabel("Search the session").fill("REDACTED");
  await page.getByRole("button", { name: "Find next" }).click();
  await expect(page.getByText(/match \d+ of \d+/)).toBeVisible();
  // The match is highlighted in the terminal, not only scrolled to.
  await expect(terminal.locator(".xterm-find-result-decoration").first()).toBeAttached();

  // What the player shows: the recorded time, a legend for the markers, idle compression said and switchable.
  await expect(page.getByTestId("wall-clock")).toContainText(/recorded at \d/);
  await expect(page.getByTestId("marker-legend")).toContainText("refused statement");
  const compress = page.getByLabel(/Compress idle time/);
  await expect(compress).toBeChecked();
  // Switching it keeps the same recorded moment on screen.
  const moment = await page.getByTestId("wall-clock").textContent();
  await compress.uncheck();
  await expect(page.getByTestId("wall-clock")).toHaveText(moment ?? "");
  await expect(terminal).toContainText("[REDACTED]");
  // The terminal fills its panel instead of a fixed 120 columns.
  const widths = await terminal.evaluate((host) => ({
    host: host.clientWidth,
    screen: (host.querySelector(".xterm-screen") as HTMLElement).clientWidth,
  }));
  expect(widths.host - widths.screen).toBeLessThan(60);

  const html = await page.content();
  for (const ssn of clearSsns) expect(html).not.toContain(ssn);

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export asciicast" }).click();
  const cast = readFileSync(await (await download).path(), "utf8")
    .trim()
    .split("\n");
  expect(JSON.parse(cast[0] ?? "{}")).toMatchObject({ version: 2, title: "demo-agent on demo_shop" });
  expect(cast.slice(1).every((line) => Array.isArray(JSON.parse(line)))).toBe(true);
  for (const ssn of clearSsns) expect(cast.join("\n")).not.toContain(ssn);

  // Viewing and exporting are audit events.
  const audit = await page.request.get("/api/v1/audit-events?action=session.recording_");
  const actions = ((await audit.json()) as { events: { action: string; actorName: string }[] }).events;
  expect(actions.map((event) => event.action)).toEqual(
    expect.arrayContaining(["session.recording_viewed", "session.recording_exported"]),
  );
});

test("[REVIEWER] cannot open recordings: the page is 403 and so is the API", async ({ page }) => {
  await signIn(page, "reviewer");
  const sessions = await page.request.get("/api/v1/sessions");
  expect(sessions.status()).toBe(403);
  const anySession = (await run("psql", ["-X", "-At", "-c", "SELECT 1", demoUrl()])).stdout.trim();
  expect(anySession).toBe("1");
  const response = await page.goto("/sessions/any-id");
  expect(response?.status()).toBe(403);
  expect((await page.request.get("/api/v1/sessions/any-id/recording")).status()).toBe(403);
  expect((await page.request.get("/api/v1/sessions/any-id/export?format=asciicast")).status()).toBe(403);
});

test("[AUDITOR] follows a live session: statements appear in the player as the agent sends them", async ({
  page,
}) => {
  // psql reading statements from a pipe keeps the session open between them, like an agent would.
  const since = Date.now();
  const agent = spawn("psql", ["-X", "-At", demoUrl()], { stdio: ["pipe", "ignore", "ignore"] });
  try {
    const first = `live_${Date.now()}`;
    agent.stdin.write(`SELECT 1 AS ${first};\n`);
    await signIn(page, "auditor");
    await openSession(page, { agent: "demo-agent", connection: "demo_shop", since, live: true });
    const terminal = page.getByTestId("terminal");
    await expect(terminal).toContainText(first, { timeout: 15_000 });
    const second = `later_${Date.now()}`;
    agent.stdin.write(`SELECT 2 AS ${second};\n`);
    await expect(terminal).toContainText(second, { timeout: 15_000 });
    agent.stdin.end();
    await expect(page.getByText("live", { exact: true })).toBeHidden({ timeout: 15_000 });
    await expect(terminal).toContainText("session ended", { timeout: 15_000 });
    // The header turns from live to ended without a reload.
    await expect(page.getByTestId("session-state")).toHaveText("ended");
    await expect(page.getByText(/· ended .*: /)).toBeVisible();
  } finally {
    agent.kill();
  }
});
