import type { SessionDecisions, Verdict } from "@sluice/policy/verdict";
import { Relay } from "@sluice/session/relay";
import type { RelayStep } from "@sluice/session/relay-step";
import { loadParser } from "@sluice/sql/parser";
import type { ClientMessage } from "@sluice/wire/client-messages";
import { beforeAll, describe, expect, it } from "vitest";

// The relay answers a statement the parser rejects from the parser itself (syntax-error probe).
beforeAll(() => loadParser());

let policyVersion = 1;
const decisions = (decide: (sql: string) => Verdict | Promise<Verdict>): SessionDecisions => ({
  decide: (statement) => decide(statement.sql),
  version: () => policyVersion,
});

const DENY_BAD = decisions((sql) =>
  sql.includes("bad") ? { kind: "deny", rule: "r", message: 'blocked by guardrail "r"' } : { kind: "allow" },
);

const raw = (tag: string) => Buffer.from(`<${tag}>`);
const Z = (status = "I") => ({ type: 0x5a, body: Buffer.from(status) });
const E = { type: 0x45, body: Buffer.from("SERROR\0\0") };
const PARSE_COMPLETE = { type: 0x31, body: Buffer.alloc(0) };

/** The server's answer to a refusal's stand-in: a syntax error quoting the stand-in's text. */
function standInError(sent: Buffer[]): { type: number; body: Buffer } {
  const text = Buffer.concat(sent)
    .toString("latin1")
    .match(/sluice_refused_[0-9a-f]+/)?.[0];
  if (!text) throw new Error("no stand-in was sent upstream");
  return { type: 0x45, body: Buffer.from(`SERROR\0C42601\0Msyntax error at or near "${text}"\0P1\0\0`) };
}

function send(relay: Relay, message: ClientMessage, tag: string): RelayStep {
  const step = relay.handleClient(message, raw(tag));
  if (step instanceof Promise) throw new Error("unexpected async step");
  return step;
}

describe("Relay", () => {
  it("forwards an extended-protocol message as it is with the relay's one forwarding step", () => {
    const relay = new Relay({ decisions: DENY_BAD });
    send(relay, { name: "parse", statement: "s", sql: "SELECT 1", paramTypes: [] }, "P");
    const bound = send(relay, { name: "bind", portal: "", statement: "s" }, "B");
    expect(bound).toEqual({ toUpstream: [raw("B")], toClient: [] });
    const executed = send(relay, { name: "execute", portal: "", maxRows: 0 }, "E");
    // The same object, rewritten: a step is read before the relay's next call (see RelayStep).
    expect(executed).toBe(bound);
    expect(executed).toEqual({ toUpstream: [raw("E")], toClient: [] });
    expect(send(relay, { name: "sync" }, "S")).toEqual({ toUpstream: [raw("S")], toClient: [] });
  });

  it("forwards allowed statements untouched", () => {
    const relay = new Relay({ decisions: DENY_BAD });
    expect(send(relay, { name: "query", sql: "SELECT 1" }, "q1")).toEqual({
      toUpstream: [raw("q1")],
      toClient: [],
      // Its results are masked by what its own verdict says (here: it reads nothing masked).
      scope: { maskedTables: [], relations: [] },
    });
    expect(relay.beforeUpstreamMessage(Z().type, Z().body)).toBeNull();
  });

  it("sends a failing stand-in for a denied query and shows the denial in place of its error", () => {
    const relay = new Relay({ decisions: DENY_BAD });
    send(relay, { name: "query", sql: "SELECT 1" }, "q1");
    const denied = send(relay, { name: "query", sql: "SELECT bad" }, "q2");
    expect(denied.toUpstream).toHaveLength(1);
    expect(denied.toUpstream[0]?.[0]).toBe(0x51); // a Query, answered by its own ReadyForQuery
    // The denied text itself never goes upstream (the stand-in's random hex may hold "bad").
    expect(denied.toUpstream[0]?.toString()).not.toContain("SELECT bad");
    // The first ReadyForQuery belongs to the allowed query.
    expect(relay.beforeUpstreamMessage(Z().type, Z().body)).toBeNull();
    const error = standInError(denied.toUpstream);
    const replaced = relay.beforeUpstreamMessage(error.type, error.body);
    expect(replaced?.toString()).toContain('blocked by guardrail "r"');
    expect(replaced?.toString()).not.toContain("sluice_refused");
    expect(replaced?.[0]).toBe(0x45);
    expect(relay.beforeUpstreamMessage(Z().type, Z().body)).toBeNull();
  });

  it("skips the rest of an extended batch after a denied Parse, like the server after an error", () => {
    const relay = new Relay({ decisions: DENY_BAD });
    const refused = send(relay, { name: "parse", statement: "", sql: "SELECT bad", paramTypes: [] }, "P");
    expect(refused.toUpstream[0]?.[0]).toBe(0x50); // the stand-in Parse
    expect(send(relay, { name: "bind", portal: "", statement: "" }, "B").toUpstream).toEqual([]);
    expect(send(relay, { name: "execute", portal: "", maxRows: 0 }, "E").toUpstream).toEqual([]);
    expect(send(relay, { name: "sync" }, "S").toUpstream).toEqual([raw("S")]);
    const error = standInError(refused.toUpstream);
    expect(relay.beforeUpstreamMessage(error.type, error.body)?.toString()).toContain("blocked");
    expect(relay.beforeUpstreamMessage(Z().type, Z().body)).toBeNull();
    // The next batch is judged afresh.
    expect(
      send(relay, { name: "parse", statement: "", sql: "SELECT 1", paramTypes: [] }, "P2").toUpstream,
    ).toEqual([raw("P2")]);
  });

  it("reports only the first error of a batch, as PostgreSQL does", () => {
    const relay = new Relay({ decisions: DENY_BAD });
    send(relay, { name: "parse", statement: "", sql: "SELECT 1/0", paramTypes: [] }, "P1");
    send(relay, { name: "parse", statement: "x", sql: "SELECT bad", paramTypes: [] }, "P2");
    send(relay, { name: "sync" }, "S");
    expect(relay.beforeUpstreamMessage(E.type, E.body)).toBeNull();
    expect(relay.beforeUpstreamMessage(Z("I").type, Z("I").body)).toBeNull();
  });

  it("tracks the transaction status from ReadyForQuery", () => {
    const relay = new Relay({ decisions: DENY_BAD });
    send(relay, { name: "query", sql: "BEGIN" }, "q");
    relay.beforeUpstreamMessage(Z("T").type, Z("T").body);
    expect(relay.status).toBe("T");
  });

  it("refuses FunctionCall in place and closes on Terminate, which stays with the gateway", () => {
    const relay = new Relay({ decisions: DENY_BAD });
    const refused = send(relay, { name: "functionCall", functionOid: 1 }, "F");
    expect(refused.toUpstream[0]?.[0]).toBe(0x51);
    const error = standInError(refused.toUpstream);
    expect(relay.beforeUpstreamMessage(error.type, error.body)?.toString()).toContain("FunctionCall");
    expect(send(relay, { name: "terminate" }, "X")).toMatchObject({ toUpstream: [], isClosing: true });
  });

  it("refuses messages that only belong to startup or authentication", () => {
    const relay = new Relay({ decisions: DENY_BAD });
    expect(() => send(relay, { name: "authResponse", body: Buffer.alloc(0) }, "p")).toThrow(
      /unexpected authResponse/,
    );
  });

  it("holds a statement until its release, with a notice first, and audits every verdict", async () => {
    let release: (verdict: Verdict) => void = () => {};
    const seen: string[] = [];
    const relay = new Relay({
      decisions: decisions(() => ({
        kind: "hold",
        rule: "review",
        message: "waiting for approval",
        release: new Promise<Verdict>((resolve) => {
          release = resolve;
        }),
      })),
      onVerdict: (_sql, verdict) => seen.push(verdict.kind),
    });
    const pending = relay.handleClient({ name: "query", sql: "SELECT salary" }, raw("q"));
    expect(pending).toBeInstanceOf(Promise);
    release({ kind: "allow" });
    const step = await pending;
    expect(step.toUpstream).toEqual([raw("q")]);
    expect(step.toClient[0]?.toString()).toContain("waiting for approval");
    expect(seen).toEqual(["hold", "allow"]);
  });

  it("judges a prepared statement again at Bind when policy changed since its Parse", () => {
    let isDenied = false;
    const relay = new Relay({
      decisions: decisions(() =>
        isDenied ? { kind: "deny", rule: "later", message: "now blocked" } : { kind: "allow" },
      ),
    });
    const bind: ClientMessage = {
      name: "bind",
      portal: "",
      statement: "s1",
    };
    expect(
      send(relay, { name: "parse", statement: "s1", sql: "SELECT 1", paramTypes: [] }, "P").toUpstream,
    ).toEqual([raw("P")]);
    expect(send(relay, bind, "B1").toUpstream).toEqual([raw("B1")]);
    isDenied = true;
    // Same policy version: the Parse-time verdict still holds.
    expect(send(relay, bind, "B2").toUpstream).toEqual([raw("B2")]);
    policyVersion += 1;
    const refused = send(relay, bind, "B3");
    expect(refused.toUpstream).not.toContainEqual(raw("B3"));
    expect(send(relay, { name: "sync" }, "S").toUpstream).toEqual([raw("S")]);
    const error = standInError(refused.toUpstream);
    expect(relay.beforeUpstreamMessage(error.type, error.body)?.toString()).toContain("now blocked");
  });
});

describe("Relay and name resolution", () => {
  /** Records what each statement was told about the upstream, and the settings it reported. */
  function observing() {
    const settled: Record<string, boolean | undefined> = {};
    const settings: string[] = [];
    const session: SessionDecisions = {
      decide: (statement) => {
        settled[statement.sql] = statement.isUpstreamSettled;
        return { kind: "allow" };
      },
      version: () => 1,
      observeSetting: (name, value) => settings.push(`${name}=${value}`),
    };
    return { relay: new Relay({ decisions: session }), settled, settings };
  }
  const parameterStatus = (name: string, value: string) => Buffer.from(`${name}\0${value}\0`);
  const bind: ClientMessage = {
    name: "bind",
    portal: "",
    statement: "",
  };

  it("tells the decision point whether everything sent before has completed outside a transaction", () => {
    const { relay, settled } = observing();
    send(relay, { name: "query", sql: "first" }, "q1");
    // Pipelined behind the first: it may still change what names resolve to.
    send(relay, { name: "query", sql: "pipelined" }, "q2");
    relay.beforeUpstreamMessage(Z().type, Z().body);
    relay.beforeUpstreamMessage(Z("T").type, Z("T").body);
    send(relay, { name: "query", sql: "in a transaction" }, "q3");
    relay.beforeUpstreamMessage(Z().type, Z().body);
    send(relay, { name: "parse", statement: "", sql: "parse first", paramTypes: [] }, "P1");
    send(relay, bind, "B");
    send(relay, { name: "parse", statement: "", sql: "parse after a bind", paramTypes: [] }, "P2");
    expect(settled).toEqual({
      first: true,
      pipelined: false,
      "in a transaction": false,
      "parse first": true,
      "parse after a bind": false,
    });
  });

  it("passes on the settings the upstream reports, at login and as they change", () => {
    const { relay, settings } = observing();
    const frame = (body: Buffer) => Buffer.concat([Buffer.from([0x53, 0, 0, 0, body.length + 4]), body]);
    relay.observeLoginParameters([frame(parameterStatus("search_path", '"$user", public'))]);
    relay.beforeUpstreamMessage(0x53, parameterStatus("search_path", "audit, public"));
    relay.beforeUpstreamMessage(0x53, Buffer.from("truncated"));
    expect(settings).toEqual(['search_path="$user", public', "search_path=audit, public"]);
  });

  it("after a refusal inside a batch, a Query before Sync is ignored as the server ignores it", () => {
    const settled: Record<string, boolean | undefined> = {};
    const relay = new Relay({
      decisions: {
        decide: (statement) => {
          settled[statement.sql] = statement.isUpstreamSettled;
          return statement.sql.includes("bad")
            ? { kind: "deny", rule: "r", message: "no" }
            : { kind: "allow" };
        },
        version: () => 1,
      },
    });
    send(relay, { name: "parse", statement: "", sql: "DROP something", paramTypes: [] }, "P1");
    send(relay, { name: "parse", statement: "s2", sql: "SELECT bad", paramTypes: [] }, "P2");
    expect(send(relay, { name: "query", sql: "SELECT after" }, "Q").toUpstream).toEqual([]);
    expect(settled).not.toHaveProperty("SELECT after");
    send(relay, { name: "sync" }, "S");
    // The batch's Sync is still owed its ReadyForQuery: what the server sees may still change.
    send(relay, { name: "query", sql: "SELECT next" }, "Q2");
    expect(settled["SELECT next"]).toBe(false);
  });

  it("judges a statement allowed per run again at every Bind but the one right after its Parse", () => {
    let judged = 0;
    const relay = new Relay({
      decisions: {
        decide: () => {
          judged += 1;
          return { kind: "allow", isJudgedPerRun: true };
        },
        version: () => 1,
      },
    });
    const named: ClientMessage = { ...bind, statement: "s" };
    send(relay, { name: "parse", statement: "s", sql: "SELECT * FROM t", paramTypes: [] }, "P");
    send(relay, named, "B1");
    expect(judged).toBe(1);
    send(relay, { name: "sync" }, "S");
    relay.beforeUpstreamMessage(PARSE_COMPLETE.type, PARSE_COMPLETE.body);
    relay.beforeUpstreamMessage(Z().type, Z().body);
    send(relay, named, "B2");
    expect(judged).toBe(2);
  });

  it("keeps what it knew of a named statement when the server refuses a second Parse of its name", () => {
    const verdicts: Record<string, Verdict> = {
      "SELECT * FROM t": { kind: "allow", isJudgedPerRun: true },
      "SELECT 1": { kind: "allow" },
    };
    const judged: string[] = [];
    const relay = new Relay({
      decisions: {
        decide: (statement) => {
          judged.push(statement.sql);
          return verdicts[statement.sql] ?? { kind: "deny", rule: "r", message: "no" };
        },
        version: () => 1,
      },
    });
    const named: ClientMessage = { ...bind, statement: "s" };
    send(relay, { name: "parse", statement: "s", sql: "SELECT * FROM t", paramTypes: [] }, "P1");
    send(relay, { name: "sync" }, "S1");
    relay.beforeUpstreamMessage(PARSE_COMPLETE.type, PARSE_COMPLETE.body);
    relay.beforeUpstreamMessage(Z().type, Z().body);
    // The server answers this one with "prepared statement s already exists": no ParseComplete.
    send(relay, { name: "parse", statement: "s", sql: "SELECT 1", paramTypes: [] }, "P2");
    send(relay, { name: "sync" }, "S2");
    relay.beforeUpstreamMessage(E.type, E.body);
    relay.beforeUpstreamMessage(Z().type, Z().body);
    judged.length = 0;
    send(relay, named, "B");
    // s is still the first statement, allowed per run: judged again, as itself.
    expect(judged).toEqual(["SELECT * FROM t"]);
  });
});
