import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { AdminContext } from "@sluice/admin/actor";
import { actorForUser } from "@sluice/admin/api-tokens";
import { decideReview } from "@sluice/admin/decide-review";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { type Harness, startHarness } from "./support/gateway-harness";

/**
 * The MCP endpoint against the wire: the same statements sent by `pg` to the Postgres listener and
 * by the SDK's own client to `run_query` must meet the same verdicts, the same masking and the same
 * reviews, because the tools are clients of that listener.
 */
let harness: Harness;
let reviewer: AdminContext;
let mcpUrl: URL;

const SALARIES = "SELECT first_name, salary FROM employees ORDER BY id";
const PAYROLL = "SELECT id, amount FROM payroll ORDER BY id";
const CUSTOMERS = "SELECT name, ssn FROM customers ORDER BY id";

async function mcpClient(authorization = `Bearer ${harness.token}`): Promise<Client> {
  const client = new Client({ name: "mcp-endpoint-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(mcpUrl, { requestInit: { headers: { authorization } } }),
  );
  return client;
}

type ToolBody = Record<string, unknown> & { status: string };

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolBody> {
  const result = await client.callTool({ name, arguments: args });
  const body = result.structuredContent as ToolBody;
  expect(result.isError === true).toBe(body.status === "refused");
  return body;
}

async function onWire(
  sql: string,
): Promise<{ rows?: unknown[][]; error?: { code: string; message: string; hint?: string } }> {
  const client = new pg.Client({
    connectionString: harness.url,
    types: { getTypeParser: () => (v: string) => v },
  });
  client.on("error", () => {});
  await client.connect();
  try {
    return { rows: (await client.query({ text: sql, rowMode: "array" })).rows };
  } catch (error) {
    const { code, message, hint } = error as { code: string; message: string; hint?: string };
    return { error: { code, message, ...(hint ? { hint } : {}) } };
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: false, mcpPort: 0 });
  mcpUrl = new URL(`http://127.0.0.1:${harness.gateway.mcpPort}/mcp`);
  const direct = new pg.Client({ connectionString: harness.upstreamAdminUrl });
  await direct.connect();
  const role = decodeURIComponent(new URL(harness.directUrl).username);
  await direct.query(`
    CREATE TABLE employees (id serial PRIMARY KEY, first_name text, salary numeric);
    INSERT INTO employees (first_name, salary) VALUES ('Ada', 120000), ('Brian', 95000);
    CREATE TABLE payroll (id int, amount numeric); INSERT INTO payroll VALUES (1, 10);
    CREATE TABLE customers (id int, name text, ssn text);
    INSERT INTO customers VALUES (1, 'Lucas', '123-45-6789'), (2, 'Mia', '987-65-4321');
    GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};`);
  await direct.end();
  const shop = await harness.prisma.connection.findUniqueOrThrow({ where: { name: harness.connectionName } });
  const finance = await harness.prisma.reviewerGroup.create({
    data: { name: "finance-leads", idpGroup: "finance-leads" },
  });
  for (const [name, table, isBlocking] of [
    ["salary-reads", "public.employees", true],
    ["payroll-reads", "public.payroll", false],
  ] as const) {
    await harness.prisma.reviewRule.create({
      data: {
        connectionId: shop.id,
        name,
        match: { tables: [table] },
        isBlocking,
        groups: { create: [{ groupId: finance.id }] },
      },
    });
  }
  await harness.prisma.guardrailRule.create({
    data: {
      connectionId: shop.id,
      name: "no-unscoped-delete",
      kind: "MISSING_WHERE",
      match: { kinds: ["DELETE"] },
    },
  });
  await harness.prisma.maskingRule.create({
    data: { connectionId: shop.id, name: "ssn", columnSelector: "public.customers.ssn", strategy: "REDACT" },
  });
  await bumpPolicyVersion(harness.prisma);
  await harness.gateway.policies.reload();
  const user = await harness.prisma.user.create({
    data: {
      issuer: "https://idp.test",
      subject: "rey",
      email: "rey@example.test",
      idpGroups: ["finance-leads"],
      roles: ["REVIEWER"],
    },
  });
  const actor = await actorForUser(harness.prisma, user.id);
  if (!actor) throw new Error("no actor");
  reviewer = { db: harness.prisma, actor, secretKey: harness.secretKey };
});
afterAll(() => harness?.stop());

describe("MCP endpoint", () => {
  it("refuses a call without a valid agent token, saying what to send", async () => {
    const refused = await fetch(mcpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      "Authorization: Bearer",
    );
    await expect(mcpClient("Bearer not-a-token")).rejects.toThrow();
  });

  it("lists the four tools and the agent's connections", async () => {
    const client = await mcpClient();
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((tool) => tool.name).sort()).toEqual([
        "describe_schema",
        "list_connections",
        "review_status",
        "run_query",
      ]);
      const listed = await call(client, "list_connections");
      expect(listed.connections).toEqual([{ name: "shop", isReadOnly: false }]);
    } finally {
      await client.close();
    }
  });

  it("describes the schema with the masked column marked", async () => {
    const client = await mcpClient();
    try {
      const schema = await call(client, "describe_schema", { connection: "shop", schema: "public" });
      const customers = (
        schema.tables as { table: string; columns: { name: string; masked?: unknown }[] }[]
      ).find((table) => table.table === "customers");
      expect(customers?.columns).toEqual([
        { name: "id", type: "integer", isNullable: true },
        { name: "name", type: "text", isNullable: true },
        { name: "ssn", type: "text", isNullable: true, masked: { rule: "ssn", strategy: "REDACT" } },
      ]);
      expect(schema.note).toContain("placeholders");
    } finally {
      await client.close();
    }
  });

  it("masks a column exactly as the wire does", async () => {
    const client = await mcpClient();
    try {
      const answer = await call(client, "run_query", { connection: "shop", sql: CUSTOMERS });
      const wire = await onWire(CUSTOMERS);
      expect(wire.rows).toEqual([
        ["Lucas", "[REDACTED]"],
        ["Mia", "[REDACTED]"],
      ]);
      expect(answer.status).toBe("ok");
      expect((answer.results as { rows: unknown[][]; columns: string[] }[])[0]).toMatchObject({
        columns: ["name", "ssn"],
        rows: wire.rows,
      });
    } finally {
      await client.close();
    }
  });

  it("refuses a denied statement with the wire's code, message and hint, and nothing runs", async () => {
    const client = await mcpClient();
    try {
      const statement = "DELETE FROM customers";
      const answer = await call(client, "run_query", { connection: "shop", sql: statement });
      const wire = await onWire(statement);
      expect(wire.error?.code).toBe("42501");
      expect(answer).toMatchObject({
        status: "refused",
        code: wire.error?.code,
        message: wire.error?.message,
      });
      expect(answer.next).toBe(wire.error?.hint);
      expect(answer.next).toEqual(expect.stringContaining("rephrase"));
      const direct = new pg.Client({ connectionString: harness.directUrl });
      await direct.connect();
      expect((await direct.query("SELECT count(*)::int AS n FROM customers")).rows).toEqual([{ n: 2 }]);
      await direct.end();
    } finally {
      await client.close();
    }
  });

  it("answers a held call at once, then review_status returns the rows once approved", async () => {
    const client = await mcpClient();
    try {
      const held = await call(client, "run_query", { connection: "shop", sql: SALARIES });
      expect(held).toMatchObject({ status: "held", waitingFor: "finance-leads" });
      const reviewId = held.review as string;
      expect(held.next).toContain(`review_status with review "${reviewId}"`);
      // The wire's hold notice carries the same next step, as its HINT.
      const wire = new pg.Client({ connectionString: harness.url });
      const hints: string[] = [];
      wire.on("notice", (notice) => hints.push(notice.hint ?? ""));
      wire.on("error", () => {});
      await wire.connect();
      void wire.query(`${SALARIES} LIMIT 1`).catch(() => {});
      const wireHint = await until(() => hints[0], { what: "the wire's hold notice" });
      await wire.end().catch(() => {});
      expect(wireHint).toContain("a reviewer in finance-leads decides");
      expect(held.next).toContain(wireHint);
      const review = await harness.prisma.review.findFirstOrThrow({
        where: { number: Number(reviewId.slice(2)) },
      });
      expect(review).toMatchObject({ status: "PENDING", statement: SALARIES, agentId: harness.agent.id });
      expect(await call(client, "review_status", { review: reviewId })).toMatchObject({ status: "held" });

      await decideReview(reviewer, { reviewId: review.id, input: { verdict: "APPROVE" } });
      const done = await until(
        async () => {
          const body = await call(client, "review_status", { review: reviewId });
          return body.status === "held" ? null : body;
        },
        { what: "the approved rows", timeoutMs: 20_000, intervalMs: 200 },
      );
      expect(done).toMatchObject({ status: "ok", review: reviewId });
      expect((done.results as { rows: unknown[][] }[])[0]?.rows).toEqual([
        ["Ada", "120000"],
        ["Brian", "95000"],
      ]);
      // The session that held it was a real gateway session, recorded with its hold.
      const session = await until(
        () =>
          harness.prisma.gatewaySession.findFirst({
            where: {
              agentId: harness.agent.id,
              heldCount: 1,
              statementCount: { gte: 1 },
              endedAt: { not: null },
            },
          }),
        { what: "the recorded session" },
      );
      // Recorded from the MCP worker's loopback connection: the agent's own address is not carried yet.
      expect(session.clientAddress).toBe("127.0.0.1");
    } finally {
      await client.close();
    }
  });

  it("returns a reviewer's denial with who denied it and what to do", async () => {
    const client = await mcpClient();
    try {
      const sql = "SELECT first_name FROM employees WHERE id = 1";
      const held = await call(client, "run_query", { connection: "shop", sql });
      const review = await harness.prisma.review.findFirstOrThrow({
        where: { number: Number((held.review as string).slice(2)) },
      });
      await decideReview(reviewer, {
        reviewId: review.id,
        input: { verdict: "DENY", reason: "not during payroll week" },
      });
      const denied = await until(
        async () => {
          const body = await call(client, "review_status", { review: held.review });
          return body.status === "held" ? null : body;
        },
        { what: "the denial", timeoutMs: 20_000, intervalMs: 200 },
      );
      expect(denied).toMatchObject({
        status: "refused",
        code: "42501",
        message: `review ${held.review} was denied by rey@example.test: not during payroll week`,
      });
      expect(denied.next).toContain("rey@example.test");
    } finally {
      await client.close();
    }
  });

  it("a non-blocking review: held at once, and review_status runs it after approval", async () => {
    const client = await mcpClient();
    try {
      const wire = await onWire(PAYROLL);
      expect(wire.error?.message).toMatch(/^approval required by review rule "payroll-reads": review R-\d+ /);
      const held = await call(client, "run_query", { connection: "shop", sql: PAYROLL });
      // The same pending review (same agent, connection and statement) as the wire's.
      expect(wire.error?.message).toContain(`review ${held.review} `);
      const review = await harness.prisma.review.findFirstOrThrow({
        where: { number: Number((held.review as string).slice(2)) },
      });
      await decideReview(reviewer, { reviewId: review.id, input: { verdict: "APPROVE" } });
      const done = await call(client, "review_status", { review: held.review });
      expect(done).toMatchObject({ status: "ok", results: [{ rows: [["1", "10"]] }] });
      // The once-grant is spent: asking again does not run it a second time.
      expect(await call(client, "review_status", { review: held.review })).toMatchObject({
        status: "refused",
      });
    } finally {
      await client.close();
    }
  });

  it("never shows another agent's review", async () => {
    const { token } = await harness.addAgent("agent-b", ["analysts"]);
    const mine = await mcpClient();
    const theirs = await mcpClient(`Bearer ${token}`);
    try {
      const held = await call(mine, "run_query", { connection: "shop", sql: "SELECT id FROM employees" });
      expect(held.status).toBe("held");
      expect(await call(theirs, "review_status", { review: held.review })).toMatchObject({
        status: "refused",
        code: "42704",
      });
    } finally {
      await mine.close();
      await theirs.close();
    }
  });
});
