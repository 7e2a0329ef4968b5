import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "@sluice/db/embedded-postgres";
import type { TestProject } from "vitest/node";

import "./provided-context";

/**
 * One embedded PostgreSQL (the same package Sluice starts by default) for the whole integration
 * tier; each test file creates its own databases in it, so files never share data.
 */
export default async function setup(project: TestProject) {
  const home = mkdtempSync(path.join(tmpdir(), "sluice-it-"));
  // mkdtemp makes the directory 0700; the server runs as `postgres` when tests run as root.
  chmodSync(home, 0o755);
  const port = 55000 + Math.floor(Math.random() * 4000);
  const server = await startEmbeddedPostgres({
    dataDir: path.join(home, "pg"),
    port,
    portSetting: "(integration test port)",
    isEphemeral: true,
  });
  project.provide("adminUrl", server.url);
  return async () => {
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  };
}
