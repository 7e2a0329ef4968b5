/** Builds a payload with MySQL's encodings; the mirror of PayloadReader. */
export class PayloadWriter {
  private readonly parts: Buffer[] = [];

  int1(value: number): this {
    this.parts.push(Buffer.from([value & 0xff]));
    return this;
  }

  int2(value: number): this {
    const buffer = Buffer.alloc(2);
    buffer.writeUInt16LE(value);
    this.parts.push(buffer);
    return this;
  }

  int3(value: number): this {
    const buffer = Buffer.alloc(3);
    buffer.writeUIntLE(value, 0, 3);
    this.parts.push(buffer);
    return this;
  }

  int4(value: number): this {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value >>> 0);
    this.parts.push(buffer);
    return this;
  }

  int8(value: bigint): this {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(value);
    this.parts.push(buffer);
    return this;
  }

  lenencInt(value: number): this {
    if (value < 0xfb) return this.int1(value);
    if (value < 0x1_00_00) return this.int1(0xfc).int2(value);
    if (value < 0x1_00_00_00) return this.int1(0xfd).int3(value);
    return this.int1(0xfe).int8(BigInt(value));
  }

  bytes(value: Buffer): this {
    this.parts.push(value);
    return this;
  }

  lenencBytes(value: Buffer | null): this {
    if (value === null) return this.int1(0xfb);
    return this.lenencInt(value.length).bytes(value);
  }

  lenencString(value: string): this {
    return this.lenencBytes(Buffer.from(value, "utf8"));
  }

  nulString(value: string | Buffer): this {
    this.parts.push(typeof value === "string" ? Buffer.from(value, "utf8") : value, Buffer.from([0]));
    return this;
  }

  zeros(count: number): this {
    this.parts.push(Buffer.alloc(count));
    return this;
  }

  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}
