import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import { createServerFrameBuffer } from "@sluice/wire/frame-buffer";
import { describe, expect, it } from "vitest";
import { SessionUpstream } from "../src/session-upstream";
import type { AuthenticatedUpstream, UpstreamLogins } from "../src/upstream-logins";

/** A socket whose buffer is full while `isFull`: enough of a Duplex for flow control. */
class FakeSocket extends EventEmitter {
  isFull = false;
  isPaused = false;
  readonly written: Buffer[] = [];
  write(bytes: Buffer): boolean {
    this.written.push(bytes);
    return !this.isFull;
  }
  pause(): this {
    this.isPaused = true;
    return this;
  }
  resume(): this {
    this.isPaused = false;
    return this;
  }
}

function setUp(leftByLogin?: Buffer) {
  const client = new FakeSocket();
  const socket = new FakeSocket();
  socket.isPaused = true; // as the login hands it over
  const frames = createServerFrameBuffer();
  if (leftByLogin) frames.push(leftByLogin);
  const upstream = { socket: socket as unknown as Duplex, frames } as AuthenticatedUpstream;
  const releases: boolean[] = [];
  const upstreams = {
    release: (_: AuthenticatedUpstream, state: { isIdle: boolean }) => releases.push(state.isIdle),
  };
  const link = new SessionUpstream(upstream, client as unknown as Duplex, {
    upstreams: upstreams as unknown as UpstreamLogins,
    log: () => {},
  });
  const read: Buffer[] = [];
  let gone = 0;
  link.attach({ onData: (chunk) => read.push(chunk), onGone: () => (gone += 1) });
  return { client, socket, link, releases, read, gone: () => gone };
}

describe("SessionUpstream", () => {
  it("reads what the login left behind first, then the socket, until it is released", () => {
    const { socket, link, read, gone } = setUp(Buffer.from([0x5a, 0, 0]));
    expect(read).toEqual([Buffer.alloc(0)]);
    expect(socket.isPaused).toBe(false);
    socket.emit("data", Buffer.from("more"));
    socket.emit("end");
    expect(read).toHaveLength(2);
    expect(gone()).toBe(1);
    link.release(true);
    socket.emit("data", Buffer.from("late"));
    socket.emit("close");
    expect(read).toHaveLength(2);
    expect(gone()).toBe(1);
  });

  it("gives the upstream back idle only when the relay says so and nothing is half read", () => {
    const halfRead = setUp(Buffer.from([0x5a, 0, 0]));
    halfRead.link.release(true);
    const relayBusy = setUp();
    relayBusy.link.release(false);
    const idle = setUp();
    idle.link.release(true);
    idle.link.release(true);
    expect([halfRead.releases, relayBusy.releases, idle.releases]).toEqual([[false], [false], [true]]);
  });

  it("pauses the client while the upstream cannot take more, and resumes it on the upstream's drain", () => {
    const { client, socket, link } = setUp();
    socket.isFull = true;
    link.toUpstream(Buffer.from("Q"));
    expect(client.isPaused).toBe(true);
    socket.emit("drain");
    expect(client.isPaused).toBe(false);
  });

  it("pauses the upstream while the client cannot take more; once released, the client's drain leaves it alone", () => {
    const { client, socket, link } = setUp();
    client.isFull = true;
    link.toClient(Buffer.from("D"));
    expect(socket.isPaused).toBe(true);
    client.emit("drain");
    expect(socket.isPaused).toBe(false);

    link.toClient(Buffer.from("D"));
    link.release(true);
    client.emit("drain");
    expect(socket.isPaused).toBe(true);
  });

  it("writes what one client read sent as one write: a view of the read when nothing was changed", () => {
    const { socket, link } = setUp();
    const read = Buffer.from("BindDescribeExecuteSync");
    link.gather();
    for (const [start, end] of [
      [0, 4],
      [4, 12],
      [12, 19],
      [19, 23],
    ] as const)
      link.toUpstream(read.subarray(start, end));
    expect(socket.written).toEqual([]);
    link.flushGathered();
    expect(socket.written).toEqual([read]);
    expect(socket.written[0]?.buffer).toBe(read.buffer);
  });

  it("writes the client's read itself when what went on is all of it, and a view when it is part", () => {
    const { socket, link } = setUp();
    const read = Buffer.from("xxBindExecuteSyncyy").subarray(2, 17);
    link.gather();
    link.toUpstream(read.subarray(0, 4));
    link.toUpstream(read.subarray(4, 11));
    link.toUpstream(read.subarray(11));
    link.flushGathered(read);
    expect(socket.written[0]).toBe(read);
    // The same messages after a refused one the relay left out: a view of what went, not the read.
    link.gather();
    link.toUpstream(read.subarray(4, 11));
    link.toUpstream(read.subarray(11));
    link.flushGathered(read);
    expect(socket.written[1]).not.toBe(read);
    expect(String(socket.written[1])).toBe("ExecuteSync");
    // The read's first bytes only, from another read: a view of them.
    const other = Buffer.from("BindExecuteSync");
    link.gather();
    link.toUpstream(other.subarray(0, 4));
    link.toUpstream(other.subarray(4, 11));
    link.flushGathered(read);
    expect(String(socket.written[2])).toBe("BindExecute");
  });

  it("joins messages from different memory in the order they were sent", () => {
    const { socket, link } = setUp();
    const read = Buffer.from("BindExecuteSync");
    link.gather();
    link.toUpstream(read.subarray(0, 4));
    link.toUpstream(Buffer.from("Describe"));
    link.toUpstream(read.subarray(4));
    link.flushGathered();
    link.flushGathered();
    expect(socket.written.map(String)).toEqual(["BindDescribeExecuteSync"]);
  });

  it("starts each client read's write empty: nothing of the last read goes again", () => {
    const { socket, link } = setUp();
    for (const read of ["BindExecuteSync", "Query", "ParseBindDescribeExecuteSync"]) {
      const bytes = Buffer.from(read);
      link.gather();
      link.toUpstream(bytes.subarray(0, 4));
      link.toUpstream(Buffer.from("|"));
      link.toUpstream(bytes.subarray(4));
      link.flushGathered();
    }
    expect(socket.written.map(String)).toEqual([
      "Bind|ExecuteSync",
      "Quer|y",
      "Pars|eBindDescribeExecuteSync",
    ]);
  });

  it("sends what was gathered before the upstream goes back to the pool", () => {
    const { socket, link, releases } = setUp();
    link.gather();
    link.toUpstream(Buffer.from("Query"));
    expect(releases).toEqual([]);
    link.release(false);
    expect(socket.written.map(String)).toEqual(["Query"]);
    expect(releases).toEqual([false]);
    link.flushGathered();
    link.toUpstream(Buffer.from("late"));
    expect(socket.written.map(String)).toEqual(["Query"]);
  });

  it("pauses the client when a gathered write finds the upstream full", () => {
    const { client, socket, link } = setUp();
    socket.isFull = true;
    link.gather();
    link.toUpstream(Buffer.from("Q"));
    expect(client.isPaused).toBe(false);
    link.flushGathered();
    expect(client.isPaused).toBe(true);
  });

  it("drops a late step's bytes once the upstream is released", () => {
    const { socket, link } = setUp();
    link.release(true);
    link.toUpstream(Buffer.from("Q"));
    expect(socket.written).toEqual([]);
  });
});
