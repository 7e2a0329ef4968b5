import { describe, expect, it, vi } from "vitest";
import { MAX_PACKET_PAYLOAD } from "../src/limits";
import { MySqlWireError } from "../src/mysql-wire-error";
import { framePacket, PacketBuffer } from "../src/packet-buffer";

const query = (sql: string) => Buffer.concat([Buffer.from([0x03]), Buffer.from(sql)]);

describe("PacketBuffer", () => {
  it("yields the same packets at every split point of the stream", () => {
    const stream = Buffer.concat([
      framePacket(0, query("SELECT 1")),
      framePacket(0, Buffer.from([0x0e])),
      framePacket(0, Buffer.alloc(0)),
      framePacket(0, query("SELECT 'é'")),
    ]);
    for (let split = 0; split <= stream.length; split++) {
      const buffer = new PacketBuffer(1024);
      const packets = [...buffer.push(stream.subarray(0, split)), ...buffer.push(stream.subarray(split))];
      expect(packets.map((p) => p.payload.toString("hex"))).toEqual([
        query("SELECT 1").toString("hex"),
        "0e",
        "",
        query("SELECT 'é'").toString("hex"),
      ]);
      expect(Buffer.concat(packets.map((p) => p.raw))).toEqual(stream);
      expect(buffer.pendingBytes).toBe(0);
    }
  });

  it("copies a large packet's bytes a bounded number of times, whatever its chunking", () => {
    // An 8 MiB statement arrives in ~128 TCP reads: joining at every one copied its bytes ~64 times
    // over (seconds of the event loop, every other session waiting).
    const stream = Buffer.concat([
      framePacket(0, query(`SELECT '${"x".repeat(8 * 1024 * 1024)}'`)),
      framePacket(0, query("SELECT 1")),
    ]);
    const concat = vi.spyOn(Buffer, "concat");
    try {
      const buffer = new PacketBuffer(16 * 1024 * 1024);
      const packets: Buffer[] = [];
      for (let offset = 0; offset < stream.length; offset += 64 * 1024) {
        packets.push(...buffer.push(stream.subarray(offset, offset + 64 * 1024)).map((p) => p.raw));
      }
      expect(Buffer.concat(packets).equals(stream)).toBe(true);
      const copied = concat.mock.results.reduce((sum, result) => sum + (result.value as Buffer).length, 0);
      // The joins of the chunks (once for the packet) and the check above (once more).
      expect(copied).toBeLessThanOrEqual(3 * stream.length);
    } finally {
      concat.mockRestore();
    }
  });

  it("yields packets byte by byte", () => {
    const stream = Buffer.concat([framePacket(3, query("SELECT 2")), framePacket(0, query("x"))]);
    const buffer = new PacketBuffer(1024);
    const packets = [...stream].flatMap((byte) => buffer.push(Buffer.from([byte])));
    expect(packets.map((p) => [p.sequenceId, p.payload.toString("latin1")])).toEqual([
      [3, "\u0003SELECT 2"],
      [0, "\u0003x"],
    ]);
  });

  it("joins a payload continued over 0xFFFFFF-byte packets", () => {
    const payload = Buffer.alloc(MAX_PACKET_PAYLOAD + 10, 0x61);
    const framed = framePacket(0, payload);
    expect(framed.length).toBe(payload.length + 8);
    const buffer = new PacketBuffer(32 * 1024 * 1024);
    const [packet, ...rest] = [
      ...buffer.push(framed.subarray(0, MAX_PACKET_PAYLOAD + 5)),
      ...buffer.push(framed.subarray(MAX_PACKET_PAYLOAD + 5)),
    ];
    expect(rest).toEqual([]);
    expect(packet?.payload.equals(payload)).toBe(true);
  });

  it("sends an empty packet after a payload of exactly 0xFFFFFF bytes", () => {
    const framed = framePacket(0, Buffer.alloc(MAX_PACKET_PAYLOAD));
    expect(framed.length).toBe(MAX_PACKET_PAYLOAD + 8);
    expect(framed.subarray(-4)).toEqual(Buffer.from([0, 0, 0, 1]));
  });

  it("refuses a packet over the cap before its body arrives", () => {
    const buffer = new PacketBuffer(16);
    expect(() => buffer.push(Buffer.from([0x20, 0, 0, 0]))).toThrow(MySqlWireError);
  });

  it("refuses a continuation with the wrong sequence id", () => {
    const framed = framePacket(0, Buffer.alloc(MAX_PACKET_PAYLOAD + 1));
    framed[MAX_PACKET_PAYLOAD + 4 + 3] = 7;
    expect(() => new PacketBuffer(32 * 1024 * 1024).push(framed)).toThrow(/out of order/);
  });
});
