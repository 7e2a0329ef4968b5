import { defineConfig } from "@playwright/test";

const CONSOLE_PORT = Number(process.env.SLUICE_E2E_CONSOLE_PORT ?? 3100);

/**
 * E2e runs in Debian's Chromium (no browser download) against a Sluice started on its own ports,
 * home directory and embedded PostgreSQL, so it never touches a developer's `.sluice/` data.
 */
export default defineConfig({
  testDir: "./e2e",
  timeout: 60_000,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [["list"]] : [["list"]],
  use: {
    baseURL: `http://localhost:${CONSOLE_PORT}`,
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  webServer: {
    command: "./node_modules/.bin/tsx apps/cli/src/main.ts start",
    url: `http://127.0.0.1:${CONSOLE_PORT}/api/health`,
    // The first start builds the console (next build): minutes on a busy 2-core machine.
    timeout: 900_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
    env: {
      SLUICE_HOME: process.env.SLUICE_E2E_HOME ?? "/tmp/sluice-e2e",
      SLUICE_CONSOLE_PORT: String(CONSOLE_PORT),
      SLUICE_GATEWAY_PORT: process.env.SLUICE_E2E_GATEWAY_PORT ?? "15532",
      SLUICE_EMBEDDED_PG_PORT: process.env.SLUICE_E2E_PG_PORT ?? "54429",
      SLUICE_OIDC_PORT: process.env.SLUICE_E2E_OIDC_PORT ?? "3101",
      SLUICE_SAML_PORT: process.env.SLUICE_E2E_SAML_PORT ?? "3102",
      SLUICE_MYSQL_PORT: process.env.SLUICE_E2E_MYSQL_PORT ?? "13406",
      SLUICE_HTTP_PORT: process.env.SLUICE_E2E_HTTP_PORT ?? "18180",
      SLUICE_MCP_PORT: process.env.SLUICE_E2E_MCP_PORT ?? "18190",
      // The demo's own MariaDB (when installed); unset: a free port at each start.
      ...(process.env.SLUICE_E2E_MARIADB_PORT
        ? { SLUICE_DEMO_MARIADB_PORT: process.env.SLUICE_E2E_MARIADB_PORT }
        : {}),
    },
  },
});
