import { createPolicyDecisionPoint } from "@sluice/policy/decision-point";
import { FactsCache } from "@sluice/policy/facts-cache";
import { type GuardrailRule, parseGuardrail } from "@sluice/policy/rules";
import { parseSearchPath, type RelationLookup, relationSearchOrder } from "@sluice/policy/search-path";
import type { SessionDecisions, StatementRequest, UpstreamAccess } from "@sluice/policy/verdict";
import { loadParser } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

beforeAll(() => loadParser());

const NO_AUDIT: GuardrailRule = parseGuardrail({
  name: "no-audit",
  kind: "TABLE",
  effect: "DENY",
  match: { tables: ["audit.*"] },
  message: null,
});

/** An upstream catalog: schema → relation names. Lookups are counted, and can be made to fail. */
function upstreamCatalog(schemas: Record<string, string[]>, role = "app") {
  const calls: string[][] = [];
  let isDown = false;
  const lookup: RelationLookup = async (names) => {
    calls.push([...names]);
    if (isDown) throw new Error("upstream unreachable");
    const holders = new Map<string, string[]>();
    for (const [schema, relations] of Object.entries(schemas)) {
      for (const name of names) {
        if (relations.includes(name)) holders.set(name, [...(holders.get(name) ?? []), schema]);
      }
    }
    return { role, holders };
  };
  return { lookup, calls, goDown: () => (isDown = true) };
}

function openSession(upstream?: UpstreamAccess): SessionDecisions {
  const policy = {
    connectionName: "shop",
    isReadOnly: false,
    guardrails: [NO_AUDIT],
    reviews: [],
  };
  const point = createPolicyDecisionPoint({
    policies: { version: 1, get: () => policy, reload: async () => {} },
    facts: new FactsCache(),
    upstreamUser: () => "app",
  });
  return point.openSession(
    {
      agentId: "a",
      agentName: "agent",
      groups: [],
      connectionId: "c",
      connectionName: "shop",
      sessionId: "s",
    },
    upstream,
  );
}

const settled = (sql: string): StatementRequest => ({ sql, via: "simple", isUpstreamSettled: true });
const kindOf = async (session: SessionDecisions, request: StatementRequest) =>
  (await session.decide(request)).kind;

describe("search_path parsing", () => {
  it("reads the server's syntax: $user, quoted names keep their case, unquoted ones fold", () => {
    expect(parseSearchPath('"$user", public', "app")).toEqual(["app", "public"]);
    expect(parseSearchPath('Audit, "Mixed, Case", public', "app")).toEqual([
      "audit",
      "Mixed, Case",
      "public",
    ]);
    expect(parseSearchPath("", "app")).toEqual([]);
  });

  it("splits where the server splits: a quote inside a name is part of it, names are cut at 63 bytes", () => {
    expect(parseSearchPath('"say ""hi""" ,\tpublic', "app")).toEqual(['say "hi"', "public"]);
    expect(parseSearchPath('a"b, public, c"d, hr', "app")).toEqual(['a"b', "public", 'c"d', "hr"]);
    expect(parseSearchPath(`${"x".repeat(70)}, public`, "app")).toEqual(["x".repeat(63), "public"]);
  });

  it("reads nothing it cannot read exactly: non-ASCII unquoted names, odd spaces, bad syntax", () => {
    expect(parseSearchPath("\u00a0hr, public", "app")).toBeNull();
    expect(parseSearchPath("Émile, public", "app")).toBeNull();
    expect(parseSearchPath("hr\v, public", "app")).toBeNull();
    expect(parseSearchPath("hr public", "app")).toBeNull();
    expect(parseSearchPath('"unclosed, public', "app")).toBeNull();
  });

  it("searches pg_catalog first unless the path places it", () => {
    expect(relationSearchOrder(["app", "public"])).toEqual(["pg_catalog", "app", "public"]);
    expect(relationSearchOrder(["public", "pg_catalog", "pg_temp"])).toEqual(["public", "pg_catalog"]);
  });
});

describe("unqualified names against the upstream's catalog", () => {
  const catalog = () => upstreamCatalog({ public: ["events", "orders"], audit: ["events", "log"] });

  it("allows a name the server resolves to a schema no rule names, though another schema on the path holds it too", async () => {
    const upstream = catalog();
    const session = openSession({ login: "app", lookupRelations: upstream.lookup });
    session.observeSetting?.("search_path", "public, audit");
    expect(await kindOf(session, settled("SELECT * FROM events"))).toBe("allow");
    // The first schema on the path that holds the name wins, as in the server.
    expect(await kindOf(session, settled("SELECT * FROM log"))).toBe("deny");
    expect(await kindOf(session, settled("SELECT * FROM audit.events"))).toBe("deny");
    session.observeSetting?.("search_path", "audit, public");
    expect(await kindOf(session, settled("SELECT * FROM events"))).toBe("deny");
  });

  it("keeps every candidate while the upstream has work in flight, when the message moves the path, or without a reported path", async () => {
    const upstream = catalog();
    const reported = openSession({ login: "app", lookupRelations: upstream.lookup });
    reported.observeSetting?.("search_path", "public, audit");
    expect(await kindOf(reported, { sql: "SELECT * FROM events", via: "parse" })).toBe("deny");
    expect(await kindOf(reported, settled("SET search_path = audit, public; SELECT * FROM events"))).toBe(
      "deny",
    );
    const unreported = openSession({ login: "app", lookupRelations: upstream.lookup });
    await unreported.decide(settled("SET search_path = public, audit"));
    expect(await kindOf(unreported, settled("SELECT * FROM events"))).toBe("deny");
    expect(upstream.calls).toEqual([]);
  });

  it("reads the catalog only for a statement that would otherwise be refused, and fails closed when it cannot", async () => {
    const upstream = catalog();
    const session = openSession({ login: "app", lookupRelations: upstream.lookup });
    session.observeSetting?.("search_path", "public, audit");
    expect(await kindOf(session, settled("SELECT * FROM public.orders"))).toBe("allow");
    expect(await kindOf(session, settled("SELECT now()"))).toBe("allow");
    expect(upstream.calls).toEqual([]);
    expect(await kindOf(session, settled("SELECT * FROM orders"))).toBe("allow");
    expect(upstream.calls).toEqual([["orders"]]);
    upstream.goDown();
    expect(await kindOf(session, settled("SELECT * FROM events"))).toBe("deny");
    expect(upstream.calls).toEqual([["orders"], ["events"]]);
  });

  it("keeps every candidate for a name nowhere on the path (created in the same message, say)", async () => {
    const upstream = catalog();
    const session = openSession({ login: "app", lookupRelations: upstream.lookup });
    session.observeSetting?.("search_path", "public, audit");
    // Were `fresh` created in audit before the statement runs, the server would read audit.fresh.
    expect(await kindOf(session, settled("CREATE TABLE audit.fresh (id int); SELECT * FROM fresh"))).toBe(
      "deny",
    );
    expect(await kindOf(session, settled("SELECT * FROM fresh"))).toBe("deny");
    // The message of two statements is not resolved at all; the single read finds `fresh` nowhere.
    expect(upstream.calls).toEqual([["fresh"]]);
  });

  it("learns schemas from the upstream's reports: a path changed inside a function is not missed", async () => {
    const session = openSession();
    expect(await kindOf(session, settled("SELECT * FROM log"))).toBe("allow");
    session.observeSetting?.("search_path", "audit, public");
    expect(await kindOf(session, settled("SELECT * FROM log"))).toBe("deny");
  });

  it("changes the version prepared statements were judged under when the path changes", () => {
    const session = openSession();
    session.observeSetting?.("search_path", '"$user", public');
    const before = session.version();
    session.observeSetting?.("search_path", '"$user", public');
    expect(session.version()).toBe(before);
    session.observeSetting?.("search_path", "audit, public");
    expect(session.version()).toBeGreaterThan(before);
  });

  it("resolves names a PREPAREd statement leaves unqualified when it is EXECUTEd", async () => {
    const upstream = catalog();
    const session = openSession({ login: "app", lookupRelations: upstream.lookup });
    session.observeSetting?.("search_path", "public, audit");
    expect(await kindOf(session, settled("PREPARE q AS SELECT * FROM events"))).toBe("allow");
    expect(await kindOf(session, settled("EXECUTE q"))).toBe("allow");
    session.observeSetting?.("search_path", "audit, public");
    expect(await kindOf(session, settled("EXECUTE q"))).toBe("deny");
  });

  it("never resolves a message of several statements: an earlier one changes what a later one finds", async () => {
    const upstream = catalog();
    const session = openSession({ login: "app", lookupRelations: upstream.lookup });
    session.observeSetting?.("search_path", "public, audit");
    expect(await kindOf(session, settled("SELECT public.path_moves(); SELECT * FROM events"))).toBe("deny");
    expect(await kindOf(session, settled("DROP TABLE public.events; SELECT * FROM events"))).toBe("deny");
    expect(upstream.calls).toEqual([]);
  });

  it("never resolves a name the statement writes or creates: it goes to the first schema that exists", async () => {
    const upstream = catalog();
    const session = openSession({ login: "app", lookupRelations: upstream.lookup });
    session.observeSetting?.("search_path", "audit, public");
    for (const sql of [
      "CREATE TABLE orders (id int)",
      "CREATE TABLE orders AS SELECT 1",
      "SELECT 1 INTO orders",
      "CREATE VIEW orders AS SELECT 1",
      "INSERT INTO orders VALUES (1)",
    ]) {
      expect(await kindOf(session, settled(sql))).toBe("deny");
    }
  });

  it("stops resolving once the session may have changed role ($user and privileges follow it)", async () => {
    const upstream = catalog();
    const setRole = openSession({ login: "app", lookupRelations: upstream.lookup });
    setRole.observeSetting?.("search_path", "public, audit");
    await setRole.decide(settled("SET ROLE auditor"));
    expect(await kindOf(setRole, settled("SELECT * FROM events"))).toBe("deny");
    const reported = openSession({ login: "app", lookupRelations: upstream.lookup });
    reported.observeSetting?.("session_authorization", "app");
    reported.observeSetting?.("search_path", "public, audit");
    expect(await kindOf(reported, settled("SELECT * FROM events"))).toBe("allow");
    reported.observeSetting?.("session_authorization", "auditor");
    expect(await kindOf(reported, settled("SELECT * FROM events"))).toBe("deny");
  });

  it("marks an allow that rests on resolution, so a prepared statement is judged again per run", async () => {
    const session = openSession({ login: "app", lookupRelations: catalog().lookup });
    session.observeSetting?.("search_path", "public, audit");
    expect(await session.decide(settled("SELECT * FROM events"))).toMatchObject({
      kind: "allow",
      isJudgedPerRun: true,
    });
    expect(await session.decide(settled("SELECT * FROM public.orders"))).not.toHaveProperty("isJudgedPerRun");
  });

  it("does not resolve for a side connection that runs as another role than the session's login", async () => {
    const session = openSession({
      login: "app",
      lookupRelations: upstreamCatalog({ public: ["events"], audit: ["events"] }, "auditor").lookup,
    });
    session.observeSetting?.("search_path", "public, audit");
    expect(await kindOf(session, settled("SELECT * FROM events"))).toBe("deny");
  });

  it("resolves a utility statement only when it arrives whole (it looks its names up when it runs)", async () => {
    const session = openSession({ login: "app", lookupRelations: catalog().lookup });
    session.observeSetting?.("search_path", "public, audit");
    const viaParse = (sql: string): StatementRequest => ({ sql, via: "parse", isUpstreamSettled: true });
    expect(await kindOf(session, viaParse("COPY events TO STDOUT"))).toBe("deny");
    expect(await kindOf(session, settled("COPY events TO STDOUT"))).toBe("allow");
    expect(await kindOf(session, viaParse("SELECT * FROM events"))).toBe("allow");
  });

  it("judges EXECUTE against every statement a name was PREPAREd as (the server keeps the first)", async () => {
    const session = openSession({ login: "app", lookupRelations: catalog().lookup });
    session.observeSetting?.("search_path", "public, audit");
    expect(await kindOf(session, settled("PREPARE q AS SELECT * FROM events"))).toBe("allow");
    // Refused by the server (q exists), but the gateway cannot know which of the two q now is.
    expect(await kindOf(session, settled("PREPARE q AS SELECT 1"))).toBe("allow");
    session.observeSetting?.("search_path", "audit, public");
    expect(await kindOf(session, settled("EXECUTE q"))).toBe("deny");
    await session.decide(settled("DEALLOCATE q"));
    expect(await kindOf(session, settled("PREPARE q AS SELECT 1"))).toBe("allow");
    expect(await kindOf(session, settled("EXECUTE q"))).toBe("allow");
  });

  it('forgets every PREPAREd statement at DEALLOCATE ALL (its facts name none: "")', async () => {
    const session = openSession({ login: "app", lookupRelations: catalog().lookup });
    session.observeSetting?.("search_path", "public, audit");
    expect(await kindOf(session, settled("PREPARE q AS SELECT * FROM events"))).toBe("allow");
    session.observeSetting?.("search_path", "audit, public");
    expect(await kindOf(session, settled("EXECUTE q"))).toBe("deny");
    for (const deallocateAll of ["DEALLOCATE ALL", "DEALLOCATE PREPARE ALL"]) {
      await session.decide(settled(deallocateAll));
      // The server dropped the first q, so this one is the only q there is.
      expect(await kindOf(session, settled("PREPARE q AS SELECT 1"))).toBe("allow");
      expect(await kindOf(session, settled("EXECUTE q"))).toBe("allow");
    }
  });
});

describe("the path read from an upstream that never reports search_path (before PostgreSQL 18)", () => {
  const catalog = () => upstreamCatalog({ public: ["events", "orders"], audit: ["events", "log"] });

  it("judges unqualified names under the role's or database's default, not under $user, public", async () => {
    // Without the read, `log` would be judged as app.log or public.log and allowed.
    const session = openSession({ login: "app", unreportedSearchPath: "audit, public" });
    expect(await kindOf(session, settled("SELECT * FROM log"))).toBe("deny");
    expect(await kindOf(session, settled("SELECT * FROM public.orders"))).toBe("allow");
  });

  it("resolves names with it while nothing has moved the path", async () => {
    const upstream = catalog();
    const session = openSession({
      login: "app",
      lookupRelations: upstream.lookup,
      unreportedSearchPath: '"$user", public, audit',
    });
    expect(await kindOf(session, settled("SELECT * FROM events"))).toBe("allow");
  });

  it("stops resolving with it once a statement moves the path (no report would tell where it went)", async () => {
    const upstream = catalog();
    const session = openSession({
      login: "app",
      lookupRelations: upstream.lookup,
      unreportedSearchPath: "public, audit",
    });
    await session.decide(settled("SET search_path = audit, public"));
    // audit.events now comes first on the server; the stale read would have said public.events.
    expect(await kindOf(session, settled("SELECT * FROM events"))).toBe("deny");
    await session.decide(settled("RESET search_path"));
    expect(await kindOf(session, settled("SELECT * FROM events"))).toBe("deny");
  });
});
