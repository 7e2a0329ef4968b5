import { MAX_PACKET_PAYLOAD, PACKET_HEADER_BYTES } from "./limits";
import { MySqlWireError } from "./mysql-wire-error";

/**
 * One logical packet: its payload joined from continuation packets, the sequence id of its first
 * packet, and `raw`, the exact bytes it arrived as (so the proxy can relay it untouched).
 */
export type Packet = { sequenceId: number; payload: Buffer; raw: Buffer };

/**
 * The framing buffer for either direction: takes the TCP stream in chunks of any size and yields
 * whole logical packets. A payload of exactly 0xFFFFFF bytes continues in the next packet (its
 * sequence id one more), so a long statement is joined before it is judged. Sequence ids are
 * checked to follow each other within a logical packet. One per socket and direction.
 * @see https://mariadb.com/kb/en/0-packet/
 * @see https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_packets.html
 */
export class PacketBuffer {
  /**
   * Chunks received and not yet taken, joined only once the packet they hold can be whole: joining
   * at every chunk copied an 8 MiB statement's bytes again for each of its ~128 chunks (seconds
   * of the event loop for one statement, every other session waiting).
   */
  private chunks: Buffer[] = [];
  private length = 0;
  /** Bytes buffered before the next packet can be whole: its header, then fragment by fragment. */
  private needed = PACKET_HEADER_BYTES;

  constructor(private maxPayloadBytes: number) {}

  /** Changes the cap, e.g. a small one until the client has authenticated. */
  setMaxPayloadBytes(bytes: number): void {
    this.maxPayloadBytes = bytes;
  }

  /** Bytes received and not yet part of a whole packet. */
  get pendingBytes(): number {
    return this.length;
  }

  /** Adds a chunk and returns every whole packet now available. */
  push(chunk: Buffer): Packet[] {
    this.append(chunk);
    const packets: Packet[] = [];
    for (;;) {
      const packet = this.next();
      if (!packet) break;
      packets.push(packet);
    }
    return packets;
  }

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /**
   * The bytes after the last packet taken, removed from the buffer: after an SSLRequest they are
   * the start of the TLS handshake, which belongs to the TLS layer, not to the packet reader.
   */
  takeRest(): Buffer {
    const rest = this.joined();
    this.keep(Buffer.alloc(0));
    return rest;
  }

  /** The next whole packet, or null until more bytes arrive. */
  next(): Packet | null {
    // Nothing to read until the header or fragment the last look waited for has arrived.
    if (this.length < this.needed) return null;
    const storage = this.joined();
    const parts: Buffer[] = [];
    let offset = 0;
    let total = 0;
    let firstSequence = -1;
    let expected = -1;
    for (;;) {
      if (storage.length - offset < PACKET_HEADER_BYTES) {
        this.needed = offset + PACKET_HEADER_BYTES;
        return null;
      }
      const length = storage.readUIntLE(offset, 3);
      const sequenceId = storage[offset + 3] as number;
      if (firstSequence < 0) firstSequence = sequenceId;
      else if (sequenceId !== expected) {
        throw new MySqlWireError(`packet out of order: sequence id ${sequenceId}, expected ${expected}`);
      }
      total += length;
      if (total > this.maxPayloadBytes) {
        throw new MySqlWireError(`packet of more than ${this.maxPayloadBytes} bytes refused`);
      }
      if (storage.length - offset - PACKET_HEADER_BYTES < length) {
        this.needed = offset + PACKET_HEADER_BYTES + length;
        return null;
      }
      parts.push(storage.subarray(offset + PACKET_HEADER_BYTES, offset + PACKET_HEADER_BYTES + length));
      offset += PACKET_HEADER_BYTES + length;
      expected = (sequenceId + 1) & 0xff;
      if (length < MAX_PACKET_PAYLOAD) break;
    }
    const raw = storage.subarray(0, offset);
    this.keep(storage.subarray(offset));
    const payload = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    return { sequenceId: firstSequence, payload, raw };
  }

  /** The buffered bytes as one buffer (one copy, when a packet may be whole). */
  private joined(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.length)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private keep(rest: Buffer): void {
    this.chunks = rest.length > 0 ? [rest] : [];
    this.length = rest.length;
    this.needed = PACKET_HEADER_BYTES;
  }
}

/**
 * A payload as the packets that carry it, from `sequenceId` on: split at 0xFFFFFF bytes, with an
 * empty packet after a payload that is an exact multiple of it.
 */
export function framePacket(sequenceId: number, payload: Buffer): Buffer {
  const packets: Buffer[] = [];
  let offset = 0;
  let sequence = sequenceId;
  for (;;) {
    const length = Math.min(MAX_PACKET_PAYLOAD, payload.length - offset);
    const header = Buffer.alloc(PACKET_HEADER_BYTES);
    header.writeUIntLE(length, 0, 3);
    header[3] = sequence & 0xff;
    packets.push(header, payload.subarray(offset, offset + length));
    offset += length;
    sequence += 1;
    if (length < MAX_PACKET_PAYLOAD) break;
  }
  return Buffer.concat(packets);
}

/** How many packets `framePacket` makes of a payload: the next sequence id is that many on. */
export function packetCount(payloadLength: number): number {
  return Math.floor(payloadLength / MAX_PACKET_PAYLOAD) + 1;
}
