import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { connectionString, snippets } from "@sluice/console/agents/connection-snippets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/gateway-harness";
import { run } from "./support/run";

const REPO = path.resolve(import.meta.dirname, "../../..");
// Inside the repository so that the snippet's `import pg from "pg"` resolves as in a user's project.
const SCRATCH = path.join(REPO, "node_modules", ".sluice-snippet-test");

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  mkdirSync(SCRATCH, { recursive: true });
});
afterAll(async () => {
  await harness?.stop();
  rmSync(SCRATCH, { recursive: true, force: true });
});

/** The console's Node (pg) snippet for the harness agent, run as a user would paste it. */
async function runNodeSnippet(caFile: string | null) {
  const gateway = { host: "localhost", port: harness.port, caFile };
  const uri = connectionString(gateway, harness.agent.name, harness.token, harness.connectionName);
  const code = snippets(gateway, uri).find((snippet) => snippet.label === "Node (pg)")?.code ?? "";
  const file = path.join(SCRATCH, `snippet-${Date.now()}.mjs`);
  writeFileSync(file, `${code}\nawait client.end();\n`);
  // No PG* or NODE_EXTRA_CA_CERTS: the snippet must verify TLS by itself.
  return run(process.execPath, [file], {
    env: { NODE_EXTRA_CA_CERTS: "", PGSSLROOTCERT: "", PGSSLMODE: "" },
  });
}

describe("the console's Node (pg) snippet", () => {
  it("connects over TLS and verifies the gateway with Sluice's CA, with nothing from the environment", async () => {
    const result = await runNodeSnippet(harness.caFile);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("'?column?': 1");
    const sessions = await harness.prisma.gatewaySession.findMany({
      orderBy: { startedAt: "desc" },
      take: 1,
    });
    expect(sessions[0]?.isTls).toBe(true);
  });

  it("refuses a gateway its CA did not sign (the check is real)", async () => {
    const result = await runNodeSnippet("/etc/ssl/certs/ca-certificates.crt");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/self[- ]signed certificate|unable to (get|verify)/i);
  });
});
