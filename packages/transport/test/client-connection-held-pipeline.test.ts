import type { DecisionPoint, Verdict } from "@sluice/policy/verdict";
import { encodeParse, encodeSync } from "@sluice/wire/client-encoders";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { closeOpenStreams, logIn, setUp, types } from "./support/client-connection-harness";

afterEach(closeOpenStreams);

/**
 * An authenticated client's messages are queued as their bytes alone (`FrameBuffer.nextRaw`) and
 * most are forwarded by one step object per relay, rewritten per message: both hold only while the
 * queued bytes are never written over and each step is applied before the relay's next call.
 */
describe("ClientConnection behind a held statement", () => {
  it("forwards every message pipelined behind a held statement as the client sent it", async () => {
    let release: (verdict: Verdict) => void = () => {};
    const held = new Promise<Verdict>((resolve) => {
      release = resolve;
    });
    const decisions: DecisionPoint = {
      openSession: () => ({
        decide: ({ sql }) =>
          sql.includes("held")
            ? { kind: "hold", rule: "r", message: "held for review", release: held }
            : { kind: "allow" },
        version: () => 0,
      }),
    };
    const { client, toUpstream } = setUp({ decisions });
    await logIn(client);
    // libpq's prepared run (its Describe and Execute of the unnamed portal decode to shared
    // messages, each forwarded by the relay's one reused step), then one with a name and a row
    // limit, all read from the socket while the first Parse waits for its review.
    const unnamedRun = [
      encodeParse("", "SELECT 'held'"),
      bindUnnamed(""),
      tagged("D", Buffer.from("P\0")),
      tagged("E", Buffer.from([0, 0, 0, 0, 0])),
      encodeSync(),
    ];
    const namedRun = [
      encodeParse("s1", "SELECT 2"),
      bindUnnamed("s1", "p1"),
      tagged("D", Buffer.from("Pp1\0")),
      tagged("E", Buffer.from([0x70, 0x31, 0, 0, 0, 0, 7])),
      tagged("E", Buffer.from([0, 0, 0, 0, 1])),
      encodeSync(),
    ];
    const sent = Buffer.concat([...unnamedRun, ...namedRun]);
    // The first write ends mid-message; the rest arrives in odd cuts while the review is pending,
    // so messages are joined and buffered behind the ones already waiting.
    const firstCut = (unnamedRun[0] as Buffer).length + 3;
    client.socket.write(sent.subarray(0, firstCut));
    expect(types([await client.next()])).toBe("N"); // the hold notice
    for (let at = firstCut; at < sent.length; at += 7) {
      client.socket.write(sent.subarray(at, Math.min(at + 7, sent.length)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(toUpstream).toEqual([]);
    release({ kind: "allow" });
    await until(() => Buffer.concat(toUpstream).length >= sent.length);
    expect(Buffer.concat(toUpstream)).toEqual(sent);
  });
});

/** A tagged client message of `type` with `body` (the encoders cover only what clients send most). */
function tagged(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, "latin1");
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/** A Bind of `statement` to `portal` with no parameters and text results. */
function bindUnnamed(statement: string, portal = ""): Buffer {
  return tagged("B", Buffer.concat([Buffer.from(`${portal}\0${statement}\0`), Buffer.alloc(6)]));
}
