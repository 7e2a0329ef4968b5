import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { tsxCommand } from "../test/tsx-command";
import { demoState, runSluice } from "./support";

test("[ADMIN] approves `sluice login` after signing in from its link; the terminal's token works until revoked", async ({
  page,
  baseURL,
}) => {
  const home = mkdtempSync(path.join(tmpdir(), "sluice-e2e-login-"));
  const env = { PATH: process.env.PATH ?? "", HOME: home };
  const { command, args } = tsxCommand("apps/cli/src/main.ts", [
    "login",
    "--url",
    baseURL ?? "",
    "--timeout",
    "120",
  ]);
  const login = spawn(command, args, { env });
  let stderr = "";
  const link = await new Promise<string>((resolve, reject) => {
    login.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
      const found = /(http\S+\/cli-login\?\S+)/.exec(stderr)?.[1];
      if (found) resolve(found);
    });
    login.on("close", () => reject(new Error(`sluice login exited: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => login.on("close", resolve));
  const code = /code\s+([0-9A-F]{5}-[0-9A-F]{5})/.exec(stderr)?.[1];
  expect(code).toBeTruthy();

  // Not signed in yet: the link leads through the identity provider and back to the approval page.
  const admin = demoState().users.find((user) => user.email === "admin@sluice.local");
  await page.goto(link);
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=/);
  await page.getByRole("button", { name: "Sign in with single sign-on" }).click();
  await page.getByLabel("Email").fill(admin?.email ?? "");
  await page.getByLabel("Password").fill(admin?.password ?? "");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/cli-login\?key=/);
  await expect(page.getByRole("heading", { name: "Approve a terminal sign-in" })).toBeVisible();
  await expect(page.getByTestId("login-code")).toHaveText(code ?? "");
  await page.getByLabel("Role").selectOption("ADMIN");
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("status")).toContainText(
    "Approved. Your terminal is signed in as admin@sluice.local",
  );

  expect(await exited).toBe(0);
  const file = path.join(home, ".config/sluice/credentials");
  expect(existsSync(file)).toBe(true);
  expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({
    url: baseURL,
    token: expect.stringMatching(/^slt_/),
  });
  const listed = await runSluice(["connections", "list", "--json"], env);
  expect(listed.code, listed.stderr).toBe(0);
  expect((JSON.parse(listed.stdout) as { name: string }[]).map((row) => row.name)).toContain("demo_shop");

  // Listed and revocable like any API token.
  await page.goto("/api-tokens");
  // This run's own token: the e2e store outlives runs, so earlier runs' logins are listed too.
  const prefix = new URL(link).searchParams.get("prefix") ?? "";
  expect(prefix).not.toBe("");
  const row = page.getByRole("row").filter({ hasText: "sluice login on" }).filter({ hasText: prefix });
  await expect(row).toHaveCount(1);
  await row.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke token" }).click();
  await expect(row.getByText("revoked")).toBeVisible();
  const refused = await runSluice(["connections", "list"], env);
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain("401");
  rmSync(home, { recursive: true, force: true });
});
