import type { SessionDecisions } from "@sluice/policy/verdict";
import { Relay } from "@sluice/session/relay";
import { upstreamToClient } from "@sluice/session/upstream-output";
import { createServerFrameBuffer } from "@sluice/wire/frame-buffer";
import { commandComplete, dataRow, readyForQuery, rowDescription, tagged } from "@sluice/wire/testing";
import { describe, expect, it } from "vitest";

const decisions: SessionDecisions = {
  decide: (statement) =>
    statement.sql.includes("secret")
      ? { kind: "deny", rule: "r", message: 'blocked by guardrail "r"' }
      : { kind: "allow" },
  version: () => 1,
};

const ANSWER = [
  rowDescription([{ name: "abalance" }]),
  dataRow(["0"]),
  commandComplete("SELECT 1"),
  readyForQuery(),
];

/** What the client gets for `chunks` read from the upstream one after another, each read's output. */
function relayed(relay: Relay, chunks: Buffer[]): Buffer[] {
  const frames = createServerFrameBuffer();
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    frames.push(chunk);
    const bytes = upstreamToClient(frames, relay, null, chunk.length);
    if (bytes) out.push(bytes);
  }
  return out;
}

describe("upstream output without masking", () => {
  it("relays a whole answer read at once as the read's own bytes, without copying them", () => {
    const relay = new Relay({ decisions });
    relay.handleClient({ name: "query", sql: "SELECT abalance FROM a" }, tagged("Q"));
    const chunk = Buffer.concat(ANSWER);
    const [out] = relayed(relay, [chunk]);
    expect(out).toEqual(chunk);
    expect(out?.buffer).toBe(chunk.buffer);
    expect(relay.status).toBe("I");
  });

  it("relays the same bytes when the answer is split anywhere", () => {
    const chunk = Buffer.concat(ANSWER);
    for (let split = 1; split < chunk.length; split += 1) {
      const relay = new Relay({ decisions });
      relay.handleClient({ name: "query", sql: "SELECT abalance FROM a" }, tagged("Q"));
      // Copies, so the two reads never share memory, as two socket reads do not.
      const reads = [Buffer.from(chunk.subarray(0, split)), Buffer.from(chunk.subarray(split))];
      expect(Buffer.concat(relayed(relay, reads))).toEqual(chunk);
    }
  });

  it("puts Sluice's denial in place of the stand-in's error amid messages relayed as they are", () => {
    const relay = new Relay({ decisions });
    relay.handleClient({ name: "query", sql: "SELECT abalance FROM a" }, tagged("Q"));
    const step = relay.handleClient({ name: "query", sql: "SELECT secret" }, tagged("Q"));
    if (step instanceof Promise) throw new Error("unexpected async step");
    const standIn = step.toUpstream[0]?.toString("latin1").match(/sluice_refused_[0-9a-f]+/)?.[0];
    const error = tagged("E", Buffer.from(`SERROR\0C42601\0Msyntax error at or near "${standIn}"\0P1\0\0`));
    const [out] = relayed(relay, [Buffer.concat([...ANSWER, error, readyForQuery()])]);
    const text = out?.toString("latin1") ?? "";
    expect(text.startsWith(Buffer.concat(ANSWER).toString("latin1"))).toBe(true);
    expect(text).toContain('blocked by guardrail "r"');
    expect(text).not.toContain("sluice_refused_");
    expect(text.endsWith(readyForQuery().toString("latin1"))).toBe(true);
  });
});
