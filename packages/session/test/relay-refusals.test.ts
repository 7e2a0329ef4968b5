import type { SessionDecisions, Verdict } from "@sluice/policy/verdict";
import { Relay } from "@sluice/session/relay";
import type { RelayStep } from "@sluice/session/relay-step";
import { loadParser } from "@sluice/sql/parser";
import type { ClientMessage } from "@sluice/wire/client-messages";
import { beforeAll, describe, expect, it } from "vitest";

// The relay answers a statement the parser rejects from the parser itself (syntax-error probe).
beforeAll(() => loadParser());

/**
 * Every interleaving of a refusal with the messages around it. The relay sends a stand-in the
 * server's parser rejects in the refused message's place; these tests play the server's part
 * (answers in order, the first error of a batch only, skipping to Sync) and check what the client
 * is shown.
 */

const decisions = (decide: (sql: string) => Verdict | Promise<Verdict>): SessionDecisions => ({
  decide: (statement) => decide(statement.sql),
  version: () => 1,
});
const DENY_BAD = decisions((sql) =>
  sql.includes("bad") ? { kind: "deny", rule: "r", message: "blocked: bad" } : { kind: "allow" },
);

const raw = (tag: string) => Buffer.from(`<${tag}>`);
const parse = (sql: string, statement = ""): ClientMessage => ({
  name: "parse",
  statement,
  sql,
  paramTypes: [],
});
const bind = (statement = ""): ClientMessage => ({
  name: "bind",
  portal: "",
  statement,
});
const execute: ClientMessage = { name: "execute", portal: "", maxRows: 0 };
const describePortal: ClientMessage = { name: "describe", target: "P", targetName: "" };
const flush: ClientMessage = { name: "flush" };
const sync: ClientMessage = { name: "sync" };

const READY = (status: string) => ({ type: 0x5a, body: Buffer.from(status) });
const SERVER_ERROR = { type: 0x45, body: Buffer.from("SERROR\0C22012\0Mdivision by zero\0\0") };

function send(relay: Relay, message: ClientMessage, tag: string): RelayStep {
  const step = relay.handleClient(message, raw(tag));
  if (step instanceof Promise) throw new Error("unexpected async step");
  return step;
}

/** The text of the stand-in in what went upstream, or null when none went. */
function standInText(sent: Buffer[]): string | null {
  return (
    Buffer.concat(sent)
      .toString("latin1")
      .match(/sluice_refused_[0-9a-f]+/)?.[0] ?? null
  );
}

/** The server's ErrorResponse for the stand-in in `sent`. */
function standInError(sent: Buffer[]) {
  const text = standInText(sent);
  if (!text) throw new Error("no stand-in went upstream");
  return { type: 0x45, body: Buffer.from(`SERROR\0C42601\0Msyntax error at or near "${text}"\0P1\0\0`) };
}

const shown = (bytes: Buffer | null) => (bytes === null ? null : bytes.toString("latin1"));

describe("refusals in the extended protocol", () => {
  it("answers a refused Parse before Sync: the stand-in's error, arriving after a Flush, is the denial", () => {
    const relay = new Relay({ decisions: DENY_BAD });
    const refused = send(relay, parse("SELECT bad"), "P");
    expect(refused.toUpstream).toHaveLength(1);
    expect(refused.toUpstream[0]?.[0]).toBe(0x50); // Parse
    expect(standInText(refused.toUpstream)).not.toBeNull();
    // Describe and Flush after it are skipped, as the server skips them.
    expect(send(relay, describePortal, "D").toUpstream).toEqual([]);
    expect(send(relay, flush, "H").toUpstream).toEqual([]);
    // The server flushes its error at once: no Sync has been sent yet.
    const error = standInError(refused.toUpstream);
    const replaced = relay.beforeUpstreamMessage(error.type, error.body);
    expect(shown(replaced)).toContain("blocked: bad");
    expect(shown(replaced)).toContain("C42501");
    expect(shown(replaced)).not.toContain("sluice_refused");
    expect(send(relay, sync, "S").toUpstream).toEqual([raw("S")]);
    expect(relay.beforeUpstreamMessage(READY("I").type, READY("I").body)).toBeNull();
    expect(relay.status).toBe("I");
  });

  it("keeps the answers to messages before the refusal, in order, and never forwards what follows it", () => {
    const relay = new Relay({ decisions: DENY_BAD });
    // Each step read as the transport reads it, before the next message (see RelayStep).
    const sent = (
      [
        [parse("INSERT INTO t VALUES (1)"), "P1"],
        [bind(), "B1"],
        [execute, "E1"],
        [parse("SELECT bad"), "P2"],
        [bind(), "B2"],
        [execute, "E2"],
        [sync, "S"],
      ] as const
    ).flatMap(([message, tag]) => [...send(relay, message, tag).toUpstream]);
    expect(sent.slice(0, 3)).toEqual([raw("P1"), raw("B1"), raw("E1")]);
    expect(standInText([sent[3] as Buffer])).not.toBeNull();
    // No Sync in the refused Parse's place (that would commit E1): the server rolls the batch back.
    expect(sent.slice(4)).toEqual([raw("S")]);
  });

  it("shows the server's own error when it failed the batch before the stand-in (which it then skips)", () => {
    const relay = new Relay({ decisions: DENY_BAD });
    send(relay, parse("SELECT 1/0"), "P1");
    send(relay, bind(), "B1");
    send(relay, execute, "E1");
    send(relay, parse("SELECT bad"), "P2");
    send(relay, sync, "S");
    expect(relay.beforeUpstreamMessage(SERVER_ERROR.type, SERVER_ERROR.body)).toBeNull();
    expect(relay.beforeUpstreamMessage(READY("I").type, READY("I").body)).toBeNull();
    // The next batch starts clean: its own refusal is shown.
    const next = send(relay, parse("SELECT bad again"), "P3");
    const error = standInError(next.toUpstream);
    expect(shown(relay.beforeUpstreamMessage(error.type, error.body))).toContain("blocked: bad");
  });

  it("refuses a Bind of a statement it never prepared with the server's 26000, before Sync", () => {
    const relay = new Relay({ decisions: DENY_BAD });
    const refused = send(relay, bind("unknown"), "B");
    expect(send(relay, execute, "E").toUpstream).toEqual([]);
    const error = standInError(refused.toUpstream);
    const replaced = shown(relay.beforeUpstreamMessage(error.type, error.body));
    expect(replaced).toContain("C26000");
    expect(replaced).toContain('prepared statement "unknown" does not exist');
  });

  it("drops the unnamed statement on a refused unnamed Parse (the server drops it first), keeps a named one", () => {
    const relay = new Relay({ decisions: DENY_BAD });
    send(relay, parse("SELECT 1"), "P1");
    send(relay, parse("SELECT 2", "kept"), "P2");
    send(relay, sync, "S1");
    relay.beforeUpstreamMessage(0x31, Buffer.alloc(0));
    relay.beforeUpstreamMessage(0x31, Buffer.alloc(0));
    relay.beforeUpstreamMessage(READY("I").type, READY("I").body);
    // A refused named Parse: its stand-in is named after no statement the client has.
    const named = send(relay, parse("SELECT bad", "kept"), "P3");
    expect(named.toUpstream[0]?.toString("latin1")).toMatch(/^P....sluice_refused_[0-9a-f]+\0/s);
    send(relay, sync, "S2");
    relay.beforeUpstreamMessage(READY("I").type, READY("I").body);
    expect(send(relay, bind("kept"), "B1").toUpstream).toEqual([raw("B1")]);
    send(relay, sync, "S3");
    relay.beforeUpstreamMessage(READY("I").type, READY("I").body);
    // A refused unnamed Parse: the stand-in is unnamed too, so the server drops "" as the relay does.
    const unnamed = send(relay, parse("SELECT bad"), "P4");
    expect(unnamed.toUpstream[0]?.toString("latin1")).toMatch(/^P....\0sluice_refused_/s);
    send(relay, sync, "S4");
    relay.beforeUpstreamMessage(READY("I").type, READY("I").body);
    const rebound = send(relay, bind(""), "B2");
    expect(rebound.toUpstream).not.toContainEqual(raw("B2"));
    expect(standInText(rebound.toUpstream)).not.toBeNull();
  });

  it("ignores a Query sent after a refusal before Sync, as the server ignores it", () => {
    const judged: string[] = [];
    const relay = new Relay({
      decisions: decisions((sql) => {
        judged.push(sql);
        return sql.includes("bad") ? { kind: "deny", rule: "r", message: "no" } : { kind: "allow" };
      }),
    });
    send(relay, parse("SELECT bad"), "P");
    expect(send(relay, { name: "query", sql: "SELECT 1" }, "Q").toUpstream).toEqual([]);
    expect(send(relay, { name: "functionCall", functionOid: 1 }, "F").toUpstream).toEqual([]);
    expect(judged).toEqual(["SELECT bad"]);
  });

  it("a statement held for review inside a batch runs when released, and a refused one stands in", async () => {
    let release: (verdict: Verdict) => void = () => {};
    const relay = new Relay({
      decisions: decisions((sql) =>
        sql.includes("held")
          ? {
              kind: "hold",
              rule: "review",
              message: "waiting",
              release: new Promise<Verdict>((resolve) => {
                release = resolve;
              }),
            }
          : { kind: "allow" },
      ),
      sendNow: () => {},
    });
    const held = relay.handleClient(parse("SELECT held"), raw("P"));
    expect(held).toBeInstanceOf(Promise);
    release({ kind: "deny", rule: "review", message: "rejected by a reviewer" });
    const step = await held;
    const error = standInError(step.toUpstream);
    expect(shown(relay.beforeUpstreamMessage(error.type, error.body))).toContain("rejected by a reviewer");

    send(relay, sync, "S");
    relay.beforeUpstreamMessage(READY("I").type, READY("I").body);
    const approved = relay.handleClient(parse("SELECT held again"), raw("P2"));
    release({ kind: "allow" });
    expect((await approved).toUpstream).toEqual([raw("P2")]);
  });
});

describe("refusals in the simple protocol", () => {
  it("keeps pipelined queries in order: each stand-in's error belongs to its own ReadyForQuery", () => {
    const relay = new Relay({ decisions: DENY_BAD });
    const first = send(relay, { name: "query", sql: "SELECT bad 1" }, "Q1");
    expect(send(relay, { name: "query", sql: "SELECT 2" }, "Q2").toUpstream).toEqual([raw("Q2")]);
    const third = send(relay, { name: "query", sql: "SELECT bad 3" }, "Q3");
    expect(first.toUpstream[0]?.[0]).toBe(0x51);
    const error1 = standInError(first.toUpstream);
    expect(shown(relay.beforeUpstreamMessage(error1.type, error1.body))).toContain("blocked: bad");
    relay.beforeUpstreamMessage(READY("I").type, READY("I").body);
    // The allowed query's own error passes untouched.
    expect(relay.beforeUpstreamMessage(SERVER_ERROR.type, SERVER_ERROR.body)).toBeNull();
    relay.beforeUpstreamMessage(READY("I").type, READY("I").body);
    const error3 = standInError(third.toUpstream);
    expect(shown(relay.beforeUpstreamMessage(error3.type, error3.body))).toContain("blocked: bad");
  });

  it("follows the server into the failed transaction block: ReadyForQuery 'E' after a refusal inside it", () => {
    const relay = new Relay({ decisions: DENY_BAD });
    send(relay, { name: "query", sql: "BEGIN" }, "Q1");
    relay.beforeUpstreamMessage(READY("T").type, READY("T").body);
    const refused = send(relay, { name: "query", sql: "SELECT bad" }, "Q2");
    const error = standInError(refused.toUpstream);
    relay.beforeUpstreamMessage(error.type, error.body);
    relay.beforeUpstreamMessage(READY("E").type, READY("E").body);
    expect(relay.status).toBe("E");
  });

  it("never shows the stand-in's own error, even where no denial waits for it", () => {
    const relay = new Relay({ decisions: DENY_BAD });
    const refused = send(relay, { name: "query", sql: "SELECT bad" }, "Q");
    const error = standInError(refused.toUpstream);
    relay.beforeUpstreamMessage(error.type, error.body);
    // A second error quoting the same text (the server never sends one): still not shown as is.
    const again = shown(relay.beforeUpstreamMessage(error.type, error.body));
    expect(again).toContain("C42501");
    expect(again).not.toContain("sluice_refused");
  });

  it("uses a different stand-in text in every session, so no client can predict it", () => {
    const a = standInText(
      send(new Relay({ decisions: DENY_BAD }), { name: "query", sql: "bad" }, "Q").toUpstream,
    );
    const b = standInText(
      send(new Relay({ decisions: DENY_BAD }), { name: "query", sql: "bad" }, "Q").toUpstream,
    );
    expect(a).not.toBe(b);
  });

  it("carries a syntax error's SQLSTATE and position to the client", () => {
    const relay = new Relay({
      decisions: decisions(() => ({
        kind: "deny",
        rule: "sluice:parse-error",
        message: 'syntax error at or near "SELEC"',
        code: "42601",
        position: 1,
      })),
    });
    const refused = send(relay, { name: "query", sql: "SELEC 1" }, "Q");
    const error = standInError(refused.toUpstream);
    const replaced = shown(relay.beforeUpstreamMessage(error.type, error.body));
    expect(replaced).toContain("C42601\0");
    expect(replaced).toContain('Msyntax error at or near "SELEC"\0');
    expect(replaced).toContain("P1\0");
  });
});
