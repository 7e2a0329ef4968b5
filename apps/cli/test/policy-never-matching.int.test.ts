import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PrismaClient } from "@sluice/db/prisma";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestStore } from "../../../test/support";
import { tsxCommand } from "../../../test/tsx-command";

const REPO = path.resolve(import.meta.dirname, "../../..");
const MAIN = path.join(REPO, "apps/cli/src/main.ts");

const FILE = [
  "version: 1",
  "connections:",
  "  - name: shop",
  "    host: db",
  "    port: 5432",
  "    database: shop",
  "    username: app",
  "    guardrails:",
  "      - { name: no-emp, kind: TABLE, match: { tables: [hr.employees] } }",
].join("\n");

/**
 * `sluice policy` against a store holding rules saved before their never-matching patterns were
 * refused: export and apply's dry run name them on stderr, so an admin sees which rules never fire.
 */
describe("sluice policy names stored rules that never fire", () => {
  let store: { url: string; prisma: PrismaClient; drop: () => Promise<void> };
  let home: string;

  const sluice = (args: string[]) => {
    const { command, args: argv } = tsxCommand(MAIN, args);
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: home,
      SLUICE_HOME: home,
      DATABASE_URL: store.url,
      SLUICE_SECRET_KEY: Buffer.alloc(32, 3).toString("base64"),
    };
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(command, argv, { cwd: REPO, env, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  };

  beforeAll(async () => {
    store = await createTestStore();
    home = mkdtempSync(path.join(tmpdir(), "sluice-policy-never-"));
    const legacy = await store.prisma.connection.create({
      data: { name: "legacy", host: "db", port: 5432, database: "shop", username: "app" },
    });
    // Written behind the API's back, as an older version saved it.
    await store.prisma.guardrailRule.create({
      data: {
        connectionId: legacy.id,
        name: "no-emp-any",
        kind: "TABLE",
        match: { tables: ["*.employees"] },
      },
    });
  });
  afterAll(async () => {
    await store?.drop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const WARNING =
    'warning: guardrail no-emp-any (connection legacy) never fires: match.tables: "*.employees" never matches';

  it("export writes the rule as stored, and warns on stderr that it never fires", async () => {
    const exported = await sluice(["policy", "export"]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain("no-emp-any");
    expect(exported.stderr).toContain(WARNING);
  });

  it("apply --dry-run warns of it, says nothing was written, and writes nothing", async () => {
    const file = path.join(home, "policy.yaml");
    writeFileSync(file, FILE);
    const dryRun = await sluice(["policy", "apply", "-f", file, "--dry-run"]);
    expect(dryRun.code).toBe(0);
    expect(dryRun.stderr).toContain(WARNING);
    expect(dryRun.stderr).toContain(`would apply (dry run, nothing written) ${file}: 1 connections`);
    expect(await store.prisma.connection.findUnique({ where: { name: "shop" } })).toBeNull();
  });
});
