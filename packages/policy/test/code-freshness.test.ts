import {
  type CatalogSnapshot,
  type ColumnCatalogAccess,
  catalogSnapshot,
} from "@sluice/policy/column-catalog";
import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import { parseGuardrail } from "@sluice/policy/rules";
import { type UpstreamCode, upstreamCode } from "@sluice/policy/upstream-code";
import type { SessionDecisions, StatementRequest, Verdict } from "@sluice/policy/verdict";
import { loadParser } from "@sluice/sql/parser";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { CODE_MAX_AGE_MS, CODE_REFRESH_AFTER_MS } from "../src/code-freshness";

beforeAll(() => loadParser());
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.UTC(2026, 11, 4, 12));
});
afterEach(() => vi.useRealTimers());

/** The upstream's code as the server holds it now; each read copies it, and is counted. */
function upstream() {
  const server = {
    code: codeOf({}),
    reads: [] as Array<{ startedAfter: number | undefined }>,
    snapshot: null as CatalogSnapshot | null,
  };
  const access: ColumnCatalogAccess = {
    current: () => server.snapshot,
    refresh: async (options) => {
      server.reads.push({ startedAfter: options?.startedAfter });
      server.snapshot = catalogSnapshot(
        [{ schema: "public", table: "orders", column: "id", attnum: 1, isView: false }],
        server.code,
        Date.now(),
      );
      return server.snapshot;
    },
  };
  return { server, access };
}

function codeOf(parts: { triggerOn?: string; shadows?: string; viewRunsCode?: string }): UpstreamCode {
  return upstreamCode({
    writeRunsCode: parts.triggerOn ? [{ schema: "public", table: parts.triggerOn }] : [],
    readRunsCode: parts.viewRunsCode ? [{ schema: "public", table: parts.viewRunsCode }] : [],
    userFunctions: parts.shadows ? [{ schema: "public", name: parts.shadows }] : [],
    userOperators: [],
    typeCode: [],
    hasEventTriggers: false,
  });
}

const ALLOW_DDL = parseGuardrail({
  name: "allow-functions",
  kind: "STATEMENT_KIND",
  effect: "ALLOW",
  match: { kinds: ["CREATE FUNCTION"] },
  message: null,
});

function openSession(access: ColumnCatalogAccess): SessionDecisions {
  const policy = { connectionName: "shop", isReadOnly: false, guardrails: [ALLOW_DDL], reviews: [] };
  const point = createPolicyDecisionPoint({
    policies: { version: 1, get: () => policy, reload: async () => {} },
    facts: new FactsCache(),
    upstreamUser: () => "app",
  });
  const identity = {
    agentId: "a",
    agentName: "agent",
    groups: [],
    connectionId: "c",
    connectionName: "shop",
    sessionId: "s",
  };
  return point.openSession(identity, { login: "app", columns: access });
}

const settled = (sql: string): StatementRequest => ({ sql, via: "simple", isUpstreamSettled: true });
const inFlight = (sql: string): StatementRequest => ({ sql, via: "simple", isUpstreamSettled: false });
const decide = async (session: SessionDecisions, request: StatementRequest): Promise<Verdict> =>
  await session.decide(request);

describe("code catalog freshness", () => {
  it("a session that names no relation, function or type never reads the catalog", async () => {
    const { server, access } = upstream();
    const session = openSession(access);
    for (const sql of ["SELECT 1", "BEGIN", "SET statement_timeout = 1000", "SHOW search_path", "COMMIT"]) {
      expect((await decide(session, settled(sql))).kind).toBe("allow");
    }
    expect(server.reads).toEqual([]);
    await decide(session, settled("SELECT id FROM orders"));
    expect(server.reads).toHaveLength(1);
  });

  it("reads again behind a statement after the soft age, and before it after the hard one", async () => {
    const { server, access } = upstream();
    const session = openSession(access);
    await decide(session, settled("SELECT id FROM orders"));
    expect(server.reads).toHaveLength(1);
    vi.setSystemTime(Date.now() + CODE_REFRESH_AFTER_MS - 1);
    await decide(session, settled("SELECT id FROM orders"));
    expect(server.reads).toHaveLength(1);
    // Another connection adds a trigger; past the hard age the statement waits for a read that shows it.
    server.code = codeOf({ triggerOn: "orders" });
    vi.setSystemTime(Date.now() + CODE_MAX_AGE_MS);
    const verdict = await decide(session, settled("INSERT INTO orders VALUES (1)"));
    expect(server.reads).toHaveLength(2);
    expect(verdict).toMatchObject({ kind: "allow", mayRunUnjudgedCode: true });
  });

  it("after this session's DDL, the next settled statement waits for a read begun after it", async () => {
    const { server, access } = upstream();
    const session = openSession(access);
    await decide(session, settled("SELECT id FROM orders"));
    const trigger = await decide(
      session,
      settled("CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION pg_catalog.now()"),
    );
    expect(trigger.kind).not.toBe("deny");
    server.code = codeOf({ triggerOn: "orders" });
    const before = Date.now();
    const insert = await decide(session, settled("INSERT INTO orders VALUES (1)"));
    expect(server.reads.at(-1)?.startedAfter).toBeGreaterThanOrEqual(before);
    expect(insert).toMatchObject({ kind: "allow", mayRunUnjudgedCode: true });
    // Caught up: a plain read neither waits nor holds the pipeline.
    const select = await decide(session, settled("SELECT id FROM orders"));
    expect(select.kind === "allow" && select.mayRunUnjudgedCode).toBeFalsy();
  });

  it("inside the DDL's transaction every statement holds what follows, until a read can show it", async () => {
    const { server, access } = upstream();
    const session = openSession(access);
    await decide(session, settled("SELECT id FROM orders"));
    await decide(session, inFlight("CREATE VIEW v AS SELECT id FROM orders"));
    const read = await decide(session, inFlight("SELECT id FROM orders"));
    expect(read).toMatchObject({ kind: "allow", mayRunUnjudgedCode: true });
    expect(server.reads).toHaveLength(1);
  });

  it("after CREATE FUNCTION in an open transaction, an unqualified built-in name proves nothing", async () => {
    const { access } = upstream();
    const session = openSession(access);
    await decide(session, settled("SELECT id FROM orders"));
    const create = await decide(
      session,
      inFlight("CREATE FUNCTION public.upper(int) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$"),
    );
    expect(create.kind).toBe("allow");
    const shadowed = await decide(session, inFlight("SELECT upper(5)"));
    expect(shadowed).toMatchObject({ kind: "deny", rule: "sluice:unknown-function" });
    expect(shadowed.kind === "deny" && shadowed.message).toContain("write pg_catalog.upper");
    const qualified = await decide(session, inFlight("SELECT pg_catalog.upper('a')"));
    expect(qualified.kind).toBe("allow");
  });

  it("in one message, a call after CREATE FUNCTION is judged as unknown; before it, too (all are judged first)", async () => {
    const { access } = upstream();
    const session = openSession(access);
    const verdict = await decide(
      session,
      settled(
        "CREATE FUNCTION public.lower(int) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$; SELECT lower(5)",
      ),
    );
    expect(verdict.kind).toBe("deny");
    expect(verdict.kind === "deny" && verdict.message).toMatch(
      /lower\(\) is not a function Sluice can judge/,
    );
  });

  it("a cursor declared over code runs it at FETCH: the FETCH holds what follows", async () => {
    const { server, access } = upstream();
    server.code = codeOf({ viewRunsCode: "v_code" });
    const session = openSession(access);
    const declare = await decide(session, settled("DECLARE c CURSOR WITH HOLD FOR SELECT * FROM v_code"));
    expect(declare).toMatchObject({ kind: "allow", mayRunUnjudgedCode: true });
    const fetch = await decide(session, settled("FETCH 1 FROM c"));
    expect(fetch).toMatchObject({ kind: "allow", mayRunUnjudgedCode: true });
  });
});
