import type { AdminContext } from "@sluice/admin/actor";
import { actorForUser } from "@sluice/admin/api-tokens";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import pg from "pg";
import { until as waitUntil } from "../../../../test/until";
import { startHarness } from "./gateway-harness";

export const SALARIES = "SELECT first_name, salary FROM employees ORDER BY id";

/** Waits on the store every 50 ms: each probe is a query. */
export const until = <T>(probe: () => Promise<T | null | undefined>, what: string, timeoutMs = 10_000) =>
  waitUntil(probe, { what, timeoutMs, intervalMs: 50 });

/** An agent's session through pg, keeping the notices a hold sends at once. */
export async function connect(url: string): Promise<{ client: pg.Client; notices: string[] }> {
  const client = new pg.Client({ connectionString: url });
  const notices: string[] = [];
  client.on("notice", (notice) => notices.push(notice.message ?? ""));
  client.on("error", () => {});
  await client.connect();
  return { client, notices };
}

export type ReviewStage = Awaited<ReturnType<typeof startReviewStage>>;

/**
 * The reviews tests' stage: a gateway whose connection holds reads of employees (blocking),
 * payroll (non-blocking) and ledger (two groups, a 2 s timeout) for review, with first names
 * masked; reviewers in and out of the groups.
 */
export async function startReviewStage() {
  const harness = await startHarness({ isTlsEnabled: false });
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

  async function reviewerContext(email: string, groups: string[]): Promise<AdminContext> {
    const user = await harness.prisma.user.create({
      data: { issuer: "https://idp.test", subject: email, email, idpGroups: groups, roles: ["REVIEWER"] },
    });
    const actor = await actorForUser(harness.prisma, user.id);
    if (!actor) throw new Error("no actor");
    return { db: harness.prisma, actor, secretKey: harness.secretKey };
  }

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

  return {
    harness,
    rey: await reviewerContext("rey@example.test", ["finance-leads"]),
    fin: await reviewerContext("fin@example.test", ["finance-leads", "security"]),
    outsider: await reviewerContext("otto@example.test", ["marketing"]),
    /** The newest pending review of `statement`, once its row exists. */
    pendingReview: (statement = SALARIES) =>
      until(
        () =>
          harness.prisma.review.findFirst({
            where: { status: "PENDING", statement },
            orderBy: { number: "desc" },
          }),
        "a pending review",
      ),
    pollsByOthers,
  };
}
