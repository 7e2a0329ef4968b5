import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";
import { tsxCommand } from "../test/tsx-command";

export const HOME = process.env.SLUICE_E2E_HOME ?? "/tmp/sluice-e2e";
export const GATEWAY_PORT = process.env.SLUICE_E2E_GATEWAY_PORT ?? "15532";
export const PG_PORT = process.env.SLUICE_E2E_PG_PORT ?? "54429";

type DemoState = {
  agentToken: string;
  upstreamPassword: string;
  /** The demo workload's client secret at the local provider (client credentials). */
  workloadClientSecret?: string;
  users: { email: string; password: string; groups: string[] }[];
};

export function demoState(): DemoState {
  return JSON.parse(readFileSync(path.join(HOME, "demo.json"), "utf8")) as DemoState;
}

/** The demo agent's connection string through the gateway, verifying the demo CA's certificate. */
export function demoUrl(): string {
  return `postgresql://demo-agent:${demoState().agentToken}@localhost:${GATEWAY_PORT}/demo_shop?sslmode=verify-full&sslrootcert=${HOME}/tls/ca.crt`;
}

export const MYSQL_PORT = process.env.SLUICE_E2E_MYSQL_PORT ?? "13406";

/** The demo agent's `mariadb` command on the demo's MySQL connection, as the start banner prints it. */
export function demoMariadb(sql: string) {
  return run("mariadb", [
    "-h",
    "localhost",
    "-P",
    MYSQL_PORT,
    "-u",
    "demo-agent",
    `-p${demoState().agentToken}`,
    `--ssl-ca=${HOME}/tls/ca.crt`,
    "--ssl-verify-server-cert",
    "--batch",
    "--skip-column-names",
    "demo_shop_mysql",
    "-e",
    sql,
  ]);
}

export function run(command: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(command, args, { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The console's own store as its superuser: for tests that must change it behind the console's back. */
export function storeSuperuserUrl(): string {
  const password = readFileSync(path.join(HOME, "pg.password"), "utf8").trim();
  return `postgresql://postgres:${password}@127.0.0.1:${PG_PORT}/sluice`;
}

/** `sluice ARGS…` from this checkout, run to its end like `run`. */
export function runSluice(args: string[], env: Record<string, string> = {}) {
  const { command, args: argv } = tsxCommand("apps/cli/src/main.ts", args);
  return run(command, argv, env);
}

export type DemoRole = "admin" | "reviewer" | "auditor";

/** Signs in through the console's button and the local OpenID provider's form, as a person would. */
export async function signIn(page: Page, role: DemoRole): Promise<void> {
  const user = demoState().users.find((candidate) => candidate.email === `${role}@sluice.local`);
  if (!user) throw new Error(`no demo user for ${role}`);
  await page.goto("/sign-in");
  await page.getByRole("button", { name: "Sign in with single sign-on" }).click();
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Reviewers land on their inbox, everyone else on the dashboard.
  await expect(page).toHaveURL(role === "reviewer" ? /\/reviews$/ : /\/dashboard$/);
  await expect(page.getByTestId("viewer-email")).toHaveText(user.email);
}

/** Serious and critical violations: what blocks or badly hinders someone using assistive technology. */
export async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => ({
      rule: violation.id,
      help: violation.help,
      targets: violation.nodes.slice(0, 5).map((node) => node.target.join(" ")),
    }));
}
