import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AdminContext } from "@sluice/admin/actor";
import { actorForUser } from "@sluice/admin/api-tokens";
import { decideReview } from "@sluice/admin/decide-review";
import { DEMO_AGENT, DEMO_CONNECTION, seedDemoPolicy } from "@sluice/db/demo/demo-policy";
import { ensureDemoShop } from "@sluice/db/demo/demo-shop";
import { startGateway } from "@sluice/gateway/start-gateway";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestStore } from "../../../test/support";
import { until } from "../../../test/until";
import { run } from "./support/run";

/**
 * The runnable agent examples under examples/, run as a user would run them against the demo: the
 * demo shop and policy `sluice start` seeds, a real gateway with TLS, the scripts as separate
 * processes. A reviewer approves the held statement through the console's own decision function.
 */
const ROOT = path.resolve(import.meta.dirname, "../../..");
const PYTHON = "/usr/bin/python3";

let store: Awaited<ReturnType<typeof createTestStore>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let home: string;
let token: string;
let reviewer: AdminContext;

beforeAll(async () => {
  const adminUrl = inject("adminUrl");
  store = await createTestStore();
  const upstreamPassword = randomBytes(18).toString("base64url");
  await ensureDemoShop({ adminUrl, upstreamPassword });
  const admin = new URL(adminUrl);
  const secretKey = randomBytes(32);
  const seeded = await seedDemoPolicy(store.prisma, {
    upstream: { host: admin.hostname, port: Number(admin.port), password: upstreamPassword },
    secretKey,
  });
  if (!seeded) throw new Error("the demo policy was already seeded in a fresh store");
  token = seeded.token;
  home = mkdtempSync(path.join(tmpdir(), "sluice-examples-"));
  gateway = await startGateway({
    prisma: store.prisma,
    databaseUrl: store.url,
    port: 0,
    secretKey,
    home,
    hosts: ["127.0.0.1"],
    log: () => {},
  });
  const user = await store.prisma.user.create({
    data: {
      issuer: "https://idp.test",
      subject: "rey@example.test",
      email: "rey@example.test",
      idpGroups: ["finance-leads"],
      roles: ["REVIEWER"],
    },
  });
  const actor = await actorForUser(store.prisma, user.id);
  if (!actor) throw new Error("no reviewer actor");
  reviewer = { db: store.prisma, actor, secretKey };
});

afterAll(async () => {
  await gateway?.close();
  await store?.drop();
  if (home) rmSync(home, { recursive: true, force: true });
});

type Step = Record<string, unknown> & { step: string };

/** Runs an example while approving, as the reviewer, the one statement it gets held. */
async function runApproving(command: string, args: string[], env: Record<string, string>): Promise<Step[]> {
  const started = new Date();
  let exited: Awaited<ReturnType<typeof run>> | null = null;
  const running = run(command, args, { env, timeoutMs: 120_000 }).then((result) => {
    exited = result;
    return result;
  });
  // An example that fails before its hold ends the wait at once, with its own output to read.
  const review = await until(
    async () =>
      exited ??
      (await store.prisma.review.findFirst({
        where: { status: "PENDING", requestedAt: { gte: started }, agent: { name: DEMO_AGENT } },
      })),
    { what: "the example's statement to be held for review", timeoutMs: 60_000, intervalMs: 100 },
  );
  if (!("id" in review)) {
    throw new Error(`the example ended before any statement was held:\n${review.stdout}\n${review.stderr}`);
  }
  await decideReview(reviewer, { reviewId: review.id, input: { verdict: "APPROVE" } });
  const result = await running;
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return result.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Step);
}

function stepNamed(steps: Step[], name: string): Step {
  const found = steps.find((step) => step.step === name);
  if (!found) throw new Error(`no step ${name} in ${JSON.stringify(steps)}`);
  return found;
}

/** What every example must show: masked values, a refusal with its reason, a held read that ran. */
function expectDemoBehaviour(steps: Step[]) {
  expect(stepNamed(steps, "list_tables").result).toEqual(expect.arrayContaining(["customers", "employees"]));
  // Structure comes back in clear on the masked connection: the real column names, no placeholder.
  const columns = (stepNamed(steps, "describe_table").result as { name: string }[]).map(
    (column) => column.name,
  );
  expect(columns).toEqual(expect.arrayContaining(["first_name", "ssn", "email", "card_number"]));
  const masked = stepNamed(steps, "masked");
  expect(masked).toMatchObject({ ok: true, columns: ["first_name", "ssn", "email", "card_number"] });
  for (const [firstName, ssn, email, card] of masked.rows as string[][]) {
    expect(firstName).not.toBe("[REDACTED]");
    expect(ssn).toBe("[REDACTED]");
    expect(email).toMatch(/^h_[0-9a-f]{16}$/);
    expect(card).toMatch(/^\*{12}\d{4}$/);
  }
  expect(stepNamed(steps, "denied")).toMatchObject({
    ok: false,
    error: expect.stringContaining('blocked by guardrail "no-unscoped-delete"'),
    hint: "add a WHERE clause that scopes the rows to delete",
  });
  const held = stepNamed(steps, "held");
  expect(held).toMatchObject({ ok: true, columns: ["id", "salary"] });
  expect(held.rows).toHaveLength(3);
}

describe("runnable agent examples against the demo", () => {
  it("[python] a SQLAlchemy SQL tool (a db_uri, as CrewAI/LangChain take it) sees masking, a denial and a hold", async () => {
    const uri = `postgresql+psycopg2://${DEMO_AGENT}:${token}@localhost:${gateway.port}/${DEMO_CONNECTION}?sslmode=verify-full&sslrootcert=${gateway.caFile}`;
    const steps = await runApproving(
      PYTHON,
      [path.join(ROOT, "examples/python-sqlalchemy/scripted_agent.py")],
      {
        SLUICE_DB_URI: uri,
      },
    );
    expectDemoBehaviour(steps);
    expect(stepNamed(steps, "denied").for_model).toContain("What to do: add a WHERE clause");
  });

  it("[node] a pg agent sees masking, a denial and a hold announced before its rows", async () => {
    const steps = await runApproving(
      process.execPath,
      [path.join(ROOT, "examples/node-pg/scripted-agent.mjs")],
      {
        SLUICE_DATABASE_URL: `postgresql://${DEMO_AGENT}:${token}@localhost:${gateway.port}/${DEMO_CONNECTION}`,
        SLUICE_CA_FILE: gateway.caFile as string,
      },
    );
    expectDemoBehaviour(steps);
    const notice = steps.findIndex((step) => step.step === "notice");
    expect(steps[notice]?.notice).toMatch(/waiting for approval: review R-\d+ by finance-leads/);
    expect(notice).toBeLessThan(steps.findIndex((step) => step.step === "held"));
  });
});
