import type { SessionDecisions, Verdict } from "@sluice/policy/verdict";
import { ClientError } from "@sluice/session/client-error";
import { Relay } from "@sluice/session/relay";
import { loadParser } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";

// The relay answers a statement the parser rejects from the parser itself (syntax-error probe).
beforeAll(() => loadParser());

/** `unjudged(...)` statements may run code the gateway did not judge; everything is allowed. */
const decisions: SessionDecisions = {
  decide: ({ sql }): Verdict =>
    sql.includes("unjudged") ? { kind: "allow", mayRunUnjudgedCode: true } : { kind: "allow" },
  version: () => 1,
};
const Z = { type: 0x5a, body: Buffer.from("I") };
const message = (tag: string, body = "") =>
  Buffer.concat([Buffer.from(tag), Buffer.alloc(4), Buffer.from(body)]);

describe("the relay's pipeline gate", () => {
  it("holds a Query pipelined behind unjudged code until that statement's ReadyForQuery, then judges it", async () => {
    const relay = new Relay({ decisions });
    const first = relay.handleClient({ name: "query", sql: "SELECT unjudged()" }, message("Q", "1"));
    expect(first).not.toBeInstanceOf(Promise);
    let forwarded: Buffer[] | null = null;
    const held = relay.handleClient({ name: "query", sql: "SELECT 2" }, message("Q", "2"));
    expect(held).toBeInstanceOf(Promise);
    void Promise.resolve(held).then((step) => {
      forwarded = step.toUpstream;
    });
    await Promise.resolve();
    expect(forwarded).toBeNull();
    relay.beforeUpstreamMessage(Z.type, Z.body);
    await held;
    expect(forwarded).toEqual([message("Q", "2")]);
  });

  it("never forwards what waits when the backstop ends the session at the ParameterStatus", () => {
    const relay = new Relay({ decisions });
    relay.handleClient({ name: "query", sql: "SELECT unjudged()" }, message("Q", "1"));
    const held = relay.handleClient({ name: "query", sql: "SELECT 2" }, message("Q", "2"));
    expect(held).toBeInstanceOf(Promise);
    expect(() => relay.beforeUpstreamMessage(0x53, Buffer.from("client_encoding\0GBK\0"))).toThrow(
      /reports client_encoding = GBK/,
    );
  });

  it("refuses a non-ASCII message later in a batch that Executed unjudged code, and lets ASCII through", () => {
    const relay = new Relay({ decisions });
    relay.handleClient(
      { name: "parse", statement: "", sql: "SELECT unjudged()", paramTypes: [] },
      message("P"),
    );
    relay.handleClient({ name: "bind", portal: "", statement: "" }, message("B"));
    relay.handleClient({ name: "execute", portal: "", maxRows: 0 }, message("E"));
    const ascii = relay.handleClient(
      { name: "parse", statement: "a", sql: "SELECT 1", paramTypes: [] },
      message("P", "a"),
    );
    expect(ascii).toMatchObject({ toUpstream: [message("P", "a")], toClient: [] });
    const refused = relay.handleClient(
      { name: "parse", statement: "b", sql: "SELECT 'é'", paramTypes: [] },
      message("P", "b é"),
    );
    expect(refused).not.toBeInstanceOf(Promise);
    if (refused instanceof Promise) return;
    expect(refused.toUpstream[0]?.toString()).toContain("sluice_refused_");
  });

  it("answers text that is not UTF-8 with an ERROR in the message's place, and the session goes on", () => {
    const relay = new Relay({ decisions });
    const step = relay.refuseUndecodable(
      0x51,
      ClientError.error("22021", 'invalid byte sequence for encoding "UTF8": 0xbf'),
    );
    if (step instanceof Promise) throw new Error("unexpected wait");
    expect(step.toUpstream[0]?.[0]).toBe(0x51);
    const error = {
      type: 0x45,
      body: Buffer.from(
        `SERROR\0C42601\0Msyntax error at or near "${step.toUpstream[0]?.toString("latin1").match(/sluice_refused_[0-9a-f]+/)?.[0]}"\0\0`,
      ),
    };
    expect(relay.beforeUpstreamMessage(error.type, error.body)?.toString()).toContain("C22021");
    expect(relay.beforeUpstreamMessage(Z.type, Z.body)).toBeNull();
    expect(relay.handleClient({ name: "query", sql: "SELECT 1" }, message("Q"))).toMatchObject({
      toUpstream: [message("Q")],
    });
  });
});
