import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { seedDemoPolicy } from "@sluice/db/demo/demo-policy";
import { ensureDemoShop } from "@sluice/db/demo/demo-shop";
import { startGateway } from "@sluice/gateway/start-gateway";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestStore } from "../../../test/support";
import { run } from "./support/run";

const AGENT = path.resolve(import.meta.dirname, "../../../examples/mcp-client/agent.mjs");

let store: Awaited<ReturnType<typeof createTestStore>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let token: string;
let home: string;

/** The demo as `sluice start` sets it up (demo_shop, its policy and agent), served over TLS. */
beforeAll(async () => {
  const adminUrl = new URL(inject("adminUrl"));
  const upstreamPassword = randomBytes(12).toString("base64url");
  await ensureDemoShop({ adminUrl: adminUrl.toString(), upstreamPassword });
  store = await createTestStore();
  const secretKey = randomBytes(32);
  const seeded = await seedDemoPolicy(store.prisma, {
    upstream: { host: adminUrl.hostname, port: Number(adminUrl.port), password: upstreamPassword },
    secretKey,
  });
  if (!seeded) throw new Error("the demo policy was already seeded");
  token = seeded.token;
  home = mkdtempSync(path.join(tmpdir(), "sluice-example-"));
  gateway = await startGateway({
    prisma: store.prisma,
    databaseUrl: store.url,
    port: 0,
    mcpPort: 0,
    secretKey,
    home,
    hosts: ["127.0.0.1"],
    log: () => {},
  });
});
afterAll(async () => {
  await gateway?.close();
  await store?.drop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe("examples/mcp-client", () => {
  it("shows masking, a denial and a held call against the demo, verifying the gateway's TLS", async () => {
    const result = await run(process.execPath, [AGENT], {
      env: {
        SLUICE_MCP_URL: `https://localhost:${gateway.mcpPort}/mcp`,
        SLUICE_AGENT_TOKEN: token,
        NODE_EXTRA_CA_CERTS: gateway.caFile ?? "",
      },
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("customers.ssn is masked (REDACT)");
    expect(result.stdout).toMatch(/\n {2}\w+ \| h_[0-9a-f]+ \| \[REDACTED\] \| \*+\d{4}\n/);
    expect(result.stdout).toContain('blocked by guardrail "no-unscoped-delete"');
    expect(result.stdout).toMatch(/waiting for approval: review R-\d+ by finance-leads/);
    expect(result.stdout).toContain("masked: true, refused: true, held: true");
    expect(result.code).toBe(0);
    const review = await store.prisma.review.findFirstOrThrow({ where: { status: "PENDING" } });
    expect(review.statement).toBe("SELECT id, salary FROM employees LIMIT 3");
  });

  it("fails without a token, saying what to set", async () => {
    const result = await run(process.execPath, [AGENT], { env: { SLUICE_AGENT_TOKEN: "" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("SLUICE_AGENT_TOKEN");
  });
});
