import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { actorForUser } from "@sluice/admin/api-tokens";
import { decideReview } from "@sluice/admin/decide-review";
import { type DemoMySql, startDemoMySql } from "@sluice/db/demo/demo-mysql";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../../test/until";
import { type Harness, startHarness } from "../support/gateway-harness";
import { run } from "../support/run";

/**
 * The demo's MySQL side as `sluice start` sets it up (startDemoMySql): a MariaDB of its own under
 * a temporary Sluice home, the demo shop in it, and the MySQL connection with the demo policy for
 * the demo agent's group. The `mariadb` CLI then logs in through the gateway as an agent of that
 * group: SSNs come back masked, the guardrails refuse, a salary read is held for a reviewer.
 */
let harness: Harness;
let home: string;
let demo: DemoMySql;

async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => probe.once("listening", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  harness = await startHarness({ mysqlPort: 0 });
  home = mkdtempSync(path.join(tmpdir(), "sluice-demo-home-"));
  demo = await startDemoMySql({
    home,
    prisma: harness.prisma,
    secretKey: harness.secretKey,
    upstreamPassword: randomBytes(12).toString("base64url"),
    port: await freePort(),
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
}, 180_000);
afterAll(async () => {
  if (demo?.isRunning) await demo.stop();
  await harness?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** The mariadb CLI through the gateway, verifying its certificate, as the start banner prints it. */
const mariadb = (sql: string) =>
  run("mariadb", [
    "--no-defaults",
    "--protocol=TCP",
    "-h",
    "127.0.0.1",
    "-P",
    String(harness.gateway.mysqlPort),
    "-u",
    harness.agent.name,
    `-p${harness.token}`,
    `--ssl-ca=${harness.caFile}`,
    "--ssl-verify-server-cert",
    "--batch",
    "--skip-column-names",
    demo.isRunning ? demo.connection : "",
    "-e",
    sql,
  ]);

describe("the demo's MySQL connection", () => {
  it("serves the demo shop with the SSN masked, the email hashed and the card cut to four digits", async () => {
    expect(demo.isRunning).toBe(true);
    const count = await mariadb("SELECT COUNT(*) FROM customers");
    expect(count.stderr).toBe("");
    expect(count.stdout).toBe("5000\n");
    const rows = await mariadb(
      "SELECT first_name, ssn, email, card_number FROM customers ORDER BY id LIMIT 3",
    );
    const lines = rows.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      const [firstName, ssn, email, card] = line.split("\t");
      expect(firstName).toMatch(/^\p{L}+$/u);
      expect(ssn).toBe("[REDACTED]");
      expect(email).toMatch(/^h_[0-9a-f]{16}$/);
      expect(card).toMatch(/^\*{12}\d{4}$/);
    }
  });

  it("refuses what the demo guardrails refuse, and nothing is changed", async () => {
    const unscoped = await mariadb("DELETE FROM orders");
    expect(unscoped.stderr).toContain(
      'blocked by guardrail "no-unscoped-delete" on connection demo_shop_mysql',
    );
    const drop = await mariadb("DROP TABLE orders");
    expect(drop.stderr).toContain('blocked by guardrail "no-drop-truncate" on connection demo_shop_mysql');
    expect((await mariadb("SELECT COUNT(*) FROM orders")).stdout).toBe("20000\n");
  });

  it("holds a salary read for a finance lead, then runs it once approved", async () => {
    const reviewer = await harness.prisma.user.create({
      data: {
        issuer: "https://idp.test",
        subject: "rey@example.test",
        email: "rey@example.test",
        idpGroups: ["finance-leads"],
        roles: ["REVIEWER"],
      },
    });
    const actor = await actorForUser(harness.prisma, reviewer.id);
    if (!actor) throw new Error("no actor for the reviewer");
    const sql = "SELECT salary FROM employees WHERE id = 1";
    const held = mariadb(sql);
    const review = await until(
      () => harness.prisma.review.findFirst({ where: { status: "PENDING", statement: sql } }),
      { what: "the held salary read", timeoutMs: 30_000, intervalMs: 50 },
    );
    await decideReview(
      { db: harness.prisma, actor, secretKey: harness.secretKey },
      { reviewId: review.id, input: { verdict: "APPROVE" } },
    );
    const answered = await held;
    expect(answered.stderr).toBe("");
    expect(answered.stdout).toMatch(/^\d{5,6}\.\d{2}\n$/);
    const sessions = await harness.prisma.gatewaySession.count({
      where: { connection: { name: "demo_shop_mysql" } },
    });
    expect(sessions).toBeGreaterThan(0);
  });

  it("the next start reuses the data on a new port, and the connection follows the port", async () => {
    if (!demo.isRunning) throw new Error("the demo's MariaDB is not running");
    await demo.stop();
    const port = await freePort();
    demo = await startDemoMySql({
      home,
      prisma: harness.prisma,
      secretKey: harness.secretKey,
      upstreamPassword: randomBytes(12).toString("base64url"),
      port,
    });
    const row = await harness.prisma.connection.findUniqueOrThrow({ where: { name: "demo_shop_mysql" } });
    expect(row.port).toBe(port);
    // The login's new password reached both the server and the stored connection.
    expect((await mariadb("SELECT COUNT(*) FROM customers")).stdout).toBe("5000\n");
  }, 180_000);
});
