import { TAGGED_HEADER_BYTES } from "./limits";
import { WireError } from "./wire-error";

/** Builds one backend/frontend message: a type byte (or none), an Int32 length, the body. */
export class Writer {
  private readonly parts: Buffer[] = [];
  private size = 0;

  int32(value: number): this {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32BE(value);
    return this.push(buffer);
  }

  int16(value: number): this {
    const buffer = Buffer.alloc(2);
    buffer.writeInt16BE(value);
    return this.push(buffer);
  }

  byte(value: number): this {
    return this.push(Buffer.from([value]));
  }

  /**
   * A NUL-terminated UTF-8 string. A NUL inside would end the field early and let the rest be read
   * as further fields (an injected SQLSTATE, a forged parameter), so it is refused, not written.
   */
  cstring(value: string): this {
    if (value.includes("\0")) throw new WireError("string contains a NUL byte", "22021");
    return this.push(Buffer.from(`${value}\0`, "utf8"));
  }

  bytes(value: Buffer): this {
    return this.push(value);
  }

  /** The finished message; `type` (a ServerCode or ClientCode) null for the untagged startup-phase messages. */
  build(type: number | null): Buffer {
    const header = Buffer.alloc(type === null ? 4 : TAGGED_HEADER_BYTES);
    if (type === null) header.writeInt32BE(this.size + 4, 0);
    else {
      header[0] = type;
      header.writeInt32BE(this.size + 4, 1);
    }
    return Buffer.concat([header, ...this.parts]);
  }

  private push(buffer: Buffer): this {
    this.parts.push(buffer);
    this.size += buffer.length;
    return this;
  }
}
