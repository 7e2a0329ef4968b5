import { type ChildProcess, spawn } from "node:child_process";
import { hostname } from "node:os";
import { createInterface } from "node:readline";
import type { AdminContext } from "@sluice/admin/actor";
import type { AdminError } from "@sluice/admin/admin-error";
import { actorForUser } from "@sluice/admin/api-tokens";
import { decideReview } from "@sluice/admin/decide-review";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { unpackChunk } from "@sluice/recording/chunk-codec";
import { HEARTBEAT_MS } from "@sluice/reviews/gateway-liveness";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until as waitUntil } from "../../../test/until";
import { type Harness, startHarness } from "./support/gateway-harness";

let harness: Harness;
let rey: AdminContext;
let fin: AdminContext;
let outsider: AdminContext;

const SALARIES = "SELECT first_name, salary FROM employees ORDER BY id";

async function reviewerContext(email: string, groups: string[]): Promise<AdminContext> {
  const user = await harness.prisma.user.create({
    data: { issuer: "https://idp.test", subject: email, email, idpGroups: groups, roles: ["REVIEWER"] },
  });
  const actor = await actorForUser(harness.prisma, user.id);
  if (!actor) throw new Error("no actor");
  return { db: harness.prisma, actor, secretKey: harness.secretKey };
}

async function connect(url = harness.url): Promise<{ client: pg.Client; notices: string[] }> {
  const client = new pg.Client({ connectionString: url });
  const notices: string[] = [];
  client.on("notice", (notice) => notices.push(notice.message ?? ""));
  client.on("error", () => {});
  await client.connect();
  return { client, notices };
}

const until = <T>(probe: () => Promise<T | null | undefined>, what: string, timeoutMs = 10_000) =>
  waitUntil(probe, { what, timeoutMs, intervalMs: 50 });

/**
 * Resolves once gateways other than `holderId` have run a whole poll that started after this call.
 * A sentinel non-blocking review already past its deadline is expired by the first poll that reaches
 * it, and the audit row names the gateway that did; the poll that expires the second sentinel
 * started after the first was expired, so after the call.
 */
async function pollsByOthers(holderId: string | null): Promise<void> {
  const template = await harness.prisma.review.findFirstOrThrow();
  let polls = 0;
  while (polls < 2) {
    const sentinel = await harness.prisma.review.create({
      data: {
        agentId: template.agentId,
        connectionId: template.connectionId,
        statement: "SELECT 1 /* poll sentinel */",
        statementHash: `sentinel-${Math.random()}`,
        isBlocking: false,
        expiresAt: new Date(Date.now() - 60_000),
      },
    });
    await until(
      () => harness.prisma.review.findFirst({ where: { id: sentinel.id, status: "EXPIRED" } }),
      "a poll",
    );
    const expiry = await harness.prisma.auditEvent.findFirstOrThrow({
      where: { targetId: sentinel.id, action: "review.expired" },
    });
    await harness.prisma.review.delete({ where: { id: sentinel.id } });
    if (expiry.actorName !== holderId) polls += 1;
  }
}

const pendingReview = (statement = SALARIES) =>
  until(
    () =>
      harness.prisma.review.findFirst({
        where: { status: "PENDING", statement },
        orderBy: { number: "desc" },
      }),
    "a pending review",
  );

beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: false });
  const direct = new pg.Client({ connectionString: harness.upstreamAdminUrl });
  await direct.connect();
  const role = decodeURIComponent(new URL(harness.directUrl).username);
  await direct.query(`
    CREATE TABLE employees (id serial PRIMARY KEY, first_name text, salary numeric);
    INSERT INTO employees (first_name, salary) VALUES ('Ada', 120000), ('Brian', 95000);
    CREATE TABLE payroll (id int, amount numeric); INSERT INTO payroll VALUES (1, 10);
    CREATE TABLE ledger (id int); INSERT INTO ledger VALUES (1);
    GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};`);
  await direct.end();
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  const finance = await harness.prisma.reviewerGroup.create({
    data: { name: "finance-leads", idpGroup: "finance-leads" },
  });
  const security = await harness.prisma.reviewerGroup.create({
    data: { name: "security", idpGroup: "security" },
  });
  const rule = (name: string, tables: string[], extra: object, groups = [finance.id]) =>
    harness.prisma.reviewRule.create({
      data: {
        connectionId: shop.id,
        name,
        match: { tables },
        ...extra,
        groups: { create: groups.map((groupId) => ({ groupId })) },
      },
    });
  await rule("salary-reads", ["public.employees"], {});
  await rule("payroll-reads", ["public.payroll"], { isBlocking: false });
  await rule("ledger-reads", ["public.ledger"], { timeoutSeconds: 2 }, [finance.id, security.id]);
  await harness.prisma.maskingRule.create({
    data: {
      connectionId: shop.id,
      name: "names",
      columnSelector: "public.employees.first_name",
      strategy: "REDACT",
    },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
  rey = await reviewerContext("rey@example.test", ["finance-leads"]);
  fin = await reviewerContext("fin@example.test", ["finance-leads", "security"]);
  outsider = await reviewerContext("otto@example.test", ["marketing"]);
});
afterAll(() => harness?.stop());

describe("held statements", () => {
  it("hold only the asking session, tell it why at once, and run with masking when approved", async () => {
    const agent = await connect();
    const other = await connect();
    try {
      const pending = agent.client.query(SALARIES);
      const review = await pendingReview();
      await until(
        async () => agent.notices.find((notice) => notice.includes(`review R-${review.number}`)),
        "the notice",
      );
      expect(agent.notices[0]).toBe(
        `waiting for approval: review R-${review.number} by finance-leads (expires in 10 min)`,
      );
      // Everything else flows meanwhile.
      expect((await other.client.query("SELECT 41 + 1 AS n")).rows).toEqual([{ n: 42 }]);
      expect(review.facts).toMatchObject({ tables: ["employees"], kinds: ["SELECT"] });

      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      const result = await pending;
      expect(result.rows).toEqual([
        { first_name: "[REDACTED]", salary: "120000" },
        { first_name: "[REDACTED]", salary: "95000" },
      ]);
      const after = await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } });
      expect(after.status).toBe("EXECUTED");
      const actions = await harness.prisma.auditEvent.findMany({
        where: { targetId: review.id },
        orderBy: { id: "asc" },
      });
      expect(actions.map((event) => event.action)).toEqual([
        "review.requested",
        "review.approved",
        "review.executed",
      ]);

      // Approve-once was spent: the same statement waits again.
      const again = agent.client.query(SALARIES);
      const second = await until(
        () =>
          harness.prisma.review.findFirst({
            where: { status: "PENDING", statement: SALARIES, number: { gt: review.number } },
          }),
        "a second review",
      );
      await decideReview(rey, { reviewId: second.id, input: { verdict: "DENY", reason: "not this week" } });
      await expect(again).rejects.toThrow(
        `review R-${second.number} was denied by rey@example.test: not this week`,
      );
      // The session carries on after a denial.
      expect((await agent.client.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await agent.client.end();
      await other.client.end();
    }
  });

  it("the session's recording shows the hold and who approved it", async () => {
    const agent = await connect();
    const pending = agent.client.query("SELECT salary FROM employees WHERE id = 1 AND id > 0");
    const review = await pendingReview("SELECT salary FROM employees WHERE id = 1 AND id > 0");
    await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
    await pending;
    await agent.client.end();
    const events = await until(async () => {
      const chunks = await harness.prisma.recordingChunk.findMany({
        where: { sessionId: review.sessionId ?? "" },
        orderBy: { seq: "asc" },
      });
      const decoded = chunks.flatMap((chunk) => unpackChunk(chunk.payload));
      return decoded.at(-1)?.type === "end" ? decoded : null;
    }, "the recording");
    const verdicts = events.filter((event) => event.type === "verdict");
    expect(verdicts.map((event) => (event.type === "verdict" ? [event.kind, event.message] : []))).toEqual([
      ["hold", `waiting for approval: review R-${review.number} by finance-leads (expires in 10 min)`],
      ["allow", `review R-${review.number} approved once by rey@example.test`],
    ]);
  });

  it("an approve-once prepared statement runs once: binding it again needs a new approval", async () => {
    const agent = await connect();
    try {
      const text = "SELECT salary FROM employees WHERE id = $1";
      const first = agent.client.query({ name: "pay", text, values: [1] });
      const review = await pendingReview(text);
      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      expect((await first).rows).toEqual([{ salary: "120000" }]);
      // node-postgres binds the named statement again without a new Parse.
      const again = agent.client.query({ name: "pay", text, values: [2] });
      const second = await until(
        () =>
          harness.prisma.review.findFirst({
            where: { status: "PENDING", statement: text, number: { gt: review.number } },
          }),
        "a second review",
      );
      await decideReview(rey, { reviewId: second.id, input: { verdict: "DENY", reason: "one was enough" } });
      await expect(again).rejects.toThrow("one was enough");
    } finally {
      await agent.client.end();
    }
  });

  it("a window grant lets the agent run the rule's statements for N minutes", async () => {
    const agent = await connect();
    try {
      const pending = agent.client.query(SALARIES);
      const review = await pendingReview();
      await decideReview(rey, {
        reviewId: review.id,
        input: { verdict: "APPROVE", grantKind: "WINDOW", windowMinutes: 10 },
      });
      expect((await pending).rowCount).toBe(2);
      const other = await agent.client.query("SELECT max(salary) AS top FROM employees");
      expect(other.rows).toEqual([{ top: "120000" }]);
      expect(agent.notices.filter((notice) => notice.startsWith("waiting for approval"))).toHaveLength(1);
    } finally {
      await agent.client.end();
      await harness.prisma.reviewGrant.deleteMany({ where: { kind: "WINDOW" } });
    }
  });

  it("non-blocking: the agent gets the review id at once, and the exact same statement runs once after approval", async () => {
    const agent = await connect();
    try {
      const statement = "SELECT amount FROM payroll";
      const refused = await agent.client.query(statement).catch((error: pg.DatabaseError) => error);
      expect(refused).toBeInstanceOf(Error);
      expect((refused as Error).message).toMatch(
        /^approval required by review rule "payroll-reads": review R-\d+ by finance-leads is pending/,
      );
      const review = await pendingReview(statement);
      expect((refused as Error).message).toContain(`R-${review.number}`);
      // Asking again while pending does not pile up reviews.
      await agent.client.query(statement).catch(() => {});
      expect(await harness.prisma.review.count({ where: { statement } })).toBe(1);

      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      expect((await agent.client.query(statement)).rows).toEqual([{ amount: "10" }]);
      expect((await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } })).status).toBe(
        "EXECUTED",
      );
      await expect(agent.client.query(statement)).rejects.toThrow(/approval required/);
      // Not a different statement: the grant is for the exact text.
      await expect(agent.client.query("SELECT amount FROM payroll WHERE id = 1")).rejects.toThrow(
        /approval required/,
      );
    } finally {
      await agent.client.end();
    }
  });

  it("expires without a decision; an approval after expiry changes nothing", async () => {
    const agent = await connect();
    try {
      const started = Date.now();
      await expect(agent.client.query("SELECT * FROM ledger")).rejects.toThrow(
        /expired without a decision; nothing was run/,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
      const review = await harness.prisma.review.findFirstOrThrow({
        where: { statement: "SELECT * FROM ledger" },
      });
      expect(review.status).toBe("EXPIRED");
      const late = await decideReview(fin, { reviewId: review.id, input: { verdict: "APPROVE" } }).catch(
        (error: unknown) => error,
      );
      expect((late as AdminError).kind).toBe("conflict");
      expect(await harness.prisma.reviewGrant.count({ where: { reviewId: review.id } })).toBe(0);
    } finally {
      await agent.client.end();
    }
  });

  it("decisions follow the rules: members only, a deny needs a reason, all-of needs every group", async () => {
    const agent = await connect();
    try {
      const pending = agent.client.query("SELECT id FROM ledger WHERE id > 0");
      pending.catch(() => {});
      const review = await pendingReview("SELECT id FROM ledger WHERE id > 0");
      const notMember = await decideReview(outsider, {
        reviewId: review.id,
        input: { verdict: "APPROVE" },
      }).catch((e: unknown) => e);
      expect((notMember as AdminError).kind).toBe("forbidden");
      const noReason = await decideReview(rey, { reviewId: review.id, input: { verdict: "DENY" } }).catch(
        (e: unknown) => e,
      );
      expect((noReason as AdminError).fields).toHaveProperty("reason");
      // ledger-reads is any-of finance-leads/security with one approval: rey suffices.
      const decided = await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      expect(decided.status).toBe("APPROVED");
      expect((await pending).rows).toEqual([{ id: 1 }]);
      const twice = await decideReview(fin, { reviewId: review.id, input: { verdict: "APPROVE" } }).catch(
        (e: unknown) => e,
      );
      expect((twice as AdminError).kind).toBe("conflict");

      await harness.prisma.reviewRule.updateMany({
        where: { name: "ledger-reads" },
        data: { mode: "ALL_OF", timeoutSeconds: 60 },
      });
      const allOf = agent.client.query("SELECT count(*) AS n FROM ledger");
      const second = await pendingReview("SELECT count(*) AS n FROM ledger");
      expect((await decideReview(rey, { reviewId: second.id, input: { verdict: "APPROVE" } })).status).toBe(
        "PENDING",
      );
      expect((await decideReview(fin, { reviewId: second.id, input: { verdict: "APPROVE" } })).status).toBe(
        "APPROVED",
      );
      expect((await allOf).rows).toEqual([{ n: "1" }]);
    } finally {
      await harness.prisma.reviewRule.updateMany({
        where: { name: "ledger-reads" },
        data: { mode: "ANY_OF", timeoutSeconds: 2 },
      });
      await agent.client.end();
    }
  });

  it("a client that disconnects while held abandons its review; nothing runs later", async () => {
    const agent = await connect();
    const pending = agent.client.query("SELECT salary FROM employees WHERE id = 2");
    pending.catch(() => {});
    const review = await pendingReview("SELECT salary FROM employees WHERE id = 2");
    await agent.client.end().catch(() => {});
    await until(
      async () =>
        (await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } })).status === "ABANDONED",
      "abandonment",
    );
    const late = await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } }).catch(
      (e: unknown) => e,
    );
    expect((late as AdminError).kind).toBe("conflict");
  });
});

describe("several gateway processes", () => {
  const processes: ChildProcess[] = [];
  afterAll(() => {
    for (const child of processes) child.kill("SIGKILL");
  });

  /**
   * The gateway is node itself with tsx's loader, so a signal reaches it as sent. (Under tsx's CLI
   * wrapper a SIGTERM is relayed, and a child that does not answer the relay within 30 ms, as
   * happens on a loaded machine, is SIGKILLed: its clients lost their connection without a word.)
   */
  async function spawnGateway(): Promise<{ port: number; pid: number; child: ChildProcess }> {
    const child = spawn(process.execPath, ["--import", "tsx", "apps/gateway/src/gateway-process.ts"], {
      env: {
        ...process.env,
        SLUICE_GATEWAY_STORE_URL: harness.storeUrl,
        SLUICE_GATEWAY_SECRET_KEY: harness.secretKey.toString("base64"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    processes.push(child);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once("line", resolve);
      child.once("exit", (code) => reject(new Error(`gateway process exited ${code}`)));
    });
    const { port, pid } = JSON.parse(first) as { port: number; pid: number };
    return { port, pid, child };
  }

  const urlOn = (port: number) => harness.url.replace(`:${harness.port}/`, `:${port}/`);

  it("a decision made here releases a statement held by another gateway process", async () => {
    const other = await spawnGateway();
    const agent = await connect(urlOn(other.port));
    try {
      const pending = agent.client.query("SELECT salary FROM employees WHERE id = 1");
      const review = await pendingReview("SELECT salary FROM employees WHERE id = 1");
      expect(review.gatewayId).toMatch(new RegExp(`:${other.pid}:[0-9a-f]{8}$`));
      await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } });
      expect((await pending).rows).toEqual([{ salary: "120000" }]);
    } finally {
      await agent.client.end();
      other.child.kill("SIGTERM");
    }
  });

  it("a gateway that dies holding a statement: the client loses its connection, the review is abandoned at the next start", async () => {
    const doomed = await spawnGateway();
    const agent = await connect(urlOn(doomed.port));
    const pending = agent.client.query("SELECT salary FROM employees WHERE id = 2 AND true");
    const review = await pendingReview("SELECT salary FROM employees WHERE id = 2 AND true");
    process.kill(doomed.pid, "SIGKILL");
    await expect(pending).rejects.toThrow();
    await agent.client.end().catch(() => {});
    await new Promise((resolve) => doomed.child.once("exit", resolve));
    const successor = await spawnGateway();
    await until(
      async () =>
        (await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } })).status === "ABANDONED",
      "abandonment",
    );
    const late = await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } }).catch(
      (e: unknown) => e,
    );
    expect((late as AdminError).kind).toBe("conflict");
    successor.child.kill("SIGTERM");
  });

  it("a gateway that goes silent holding a statement (its host hung or lost the store): another gateway abandons the review, and the holder refuses it when it wakes", async () => {
    const silent = await spawnGateway();
    const agent = await connect(urlOn(silent.port));
    try {
      const pending = agent.client.query("SELECT salary FROM employees WHERE id = 3 AND true");
      const review = await pendingReview("SELECT salary FROM employees WHERE id = 3 AND true");
      // While the holder's heartbeat is fresh, the other gateways' polls leave its review alone.
      await pollsByOthers(review.gatewayId);
      expect((await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } })).status).toBe(
        "PENDING",
      );
      // Alive on this host (so not an orphan by pid), but silent: stopped, its last heartbeat long ago.
      process.kill(silent.pid, "SIGSTOP");
      await harness.prisma.gatewayHeartbeat.update({
        where: { gatewayId: review.gatewayId ?? "" },
        data: { seenAt: new Date(Date.now() - 3_600_000) },
      });
      await until(
        async () =>
          (await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } })).status ===
          "ABANDONED",
        "abandonment by the harness's gateway",
      );
      const late = await decideReview(rey, { reviewId: review.id, input: { verdict: "APPROVE" } }).catch(
        (e: unknown) => e,
      );
      expect((late as AdminError).kind).toBe("conflict");
      process.kill(silent.pid, "SIGCONT");
      await expect(pending).rejects.toThrow(
        `review R-${review.number} ended abandoned without approval; nothing was run`,
      );
    } finally {
      process.kill(silent.pid, "SIGCONT");
      await agent.client.end().catch(() => {});
      silent.child.kill("SIGTERM");
    }
  });

  it("a live gateway keeps its heartbeat fresh, on the store's clock", async () => {
    const own = async () =>
      harness.prisma.gatewayHeartbeat.findFirstOrThrow({
        where: { gatewayId: { startsWith: `${hostname()}:${process.pid}:` } },
      });
    const before = await own();
    await until(async () => (await own()).seenAt > before.seenAt, "a newer heartbeat", HEARTBEAT_MS + 3000);
  });

  it("a review held by a gateway that never wrote a heartbeat (one from before heartbeats) is left to expire", async () => {
    const template = await harness.prisma.review.findFirstOrThrow();
    const legacy = await harness.prisma.review.create({
      data: {
        agentId: template.agentId,
        connectionId: template.connectionId,
        statement: "SELECT 1 /* held by an older gateway */",
        statementHash: "legacy",
        isBlocking: true,
        gatewayId: "older-host:4242",
        requestedAt: new Date(Date.now() - 3_600_000),
        expiresAt: new Date(Date.now() + 3_600_000),
      },
    });
    await pollsByOthers(legacy.gatewayId);
    expect((await harness.prisma.review.findUniqueOrThrow({ where: { id: legacy.id } })).status).toBe(
      "PENDING",
    );
    await harness.prisma.review.delete({ where: { id: legacy.id } });
  });

  it("a gateway shutting down refuses what it holds, with a reason, and abandons the review", async () => {
    const closing = await spawnGateway();
    const agent = await connect(urlOn(closing.port));
    try {
      const pending = agent.client.query("SELECT first_name FROM employees WHERE salary > 0");
      const review = await pendingReview("SELECT first_name FROM employees WHERE salary > 0");
      closing.child.kill("SIGTERM");
      await expect(pending).rejects.toThrow(
        `the gateway shut down while review R-${review.number} was pending; it was abandoned and will not run`,
      );
      expect((await harness.prisma.review.findUniqueOrThrow({ where: { id: review.id } })).status).toBe(
        "ABANDONED",
      );
    } finally {
      await agent.client.end().catch(() => {});
    }
  });
});
