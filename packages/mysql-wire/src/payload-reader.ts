import { MySqlWireError } from "./mysql-wire-error";

/**
 * Reads a packet's payload front to back with MySQL's integer and string encodings; reading past
 * the end is a wire error, never a silent zero.
 * @see https://mariadb.com/kb/en/protocol-data-types/
 */
export class PayloadReader {
  offset = 0;

  constructor(readonly payload: Buffer) {}

  get remaining(): number {
    return this.payload.length - this.offset;
  }

  private need(bytes: number): void {
    if (this.offset + bytes > this.payload.length) {
      throw new MySqlWireError(`truncated packet: wanted ${bytes} more bytes at offset ${this.offset}`);
    }
  }

  int1(): number {
    this.need(1);
    return this.payload[this.offset++] as number;
  }

  int2(): number {
    this.need(2);
    const value = this.payload.readUInt16LE(this.offset);
    this.offset += 2;
    return value;
  }

  int3(): number {
    this.need(3);
    const value = this.payload.readUIntLE(this.offset, 3);
    this.offset += 3;
    return value;
  }

  int4(): number {
    this.need(4);
    const value = this.payload.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }

  int8(): bigint {
    this.need(8);
    const value = this.payload.readBigUInt64LE(this.offset);
    this.offset += 8;
    return value;
  }

  /** Length-encoded integer; null for 0xFB (NULL in a text row). */
  lenencInt(): number | null {
    const first = this.int1();
    if (first < 0xfb) return first;
    if (first === 0xfb) return null;
    if (first === 0xfc) return this.int2();
    if (first === 0xfd) return this.int3();
    if (first === 0xfe) {
      const value = this.int8();
      if (value > BigInt(Number.MAX_SAFE_INTEGER))
        throw new MySqlWireError("length-encoded integer too large");
      return Number(value);
    }
    throw new MySqlWireError(`invalid length-encoded integer prefix 0x${first.toString(16)}`);
  }

  bytes(length: number): Buffer {
    this.need(length);
    const value = this.payload.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  /** Length-encoded bytes; null for NULL. */
  lenencBytes(): Buffer | null {
    const length = this.lenencInt();
    return length === null ? null : this.bytes(length);
  }

  lenencString(): string {
    return (this.lenencBytes() ?? Buffer.alloc(0)).toString("utf8");
  }

  /** Bytes up to a NUL, which is consumed. */
  nulBytes(): Buffer {
    const end = this.payload.indexOf(0, this.offset);
    if (end < 0) throw new MySqlWireError("string without its terminating NUL");
    const value = this.payload.subarray(this.offset, end);
    this.offset = end + 1;
    return value;
  }

  nulString(): string {
    return this.nulBytes().toString("utf8");
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }
}
