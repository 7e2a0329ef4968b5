import net from "node:net";

/** A message read back from the gateway: its type byte and body. */
export type RawMessage = { type: string; body: Buffer };

/**
 * A deliberately dumb client for the tests that must send what real clients never would
 * (garbage, truncated or out-of-order messages), built byte by byte.
 */
export class RawClient {
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  isClosed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on("close", () => {
      this.isClosed = true;
      this.wake();
    });
    socket.on("error", () => {});
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port }, () => resolve(new RawClient(socket)));
      socket.once("error", reject);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async readByte(timeoutMs = 5000): Promise<string> {
    await this.waitFor(() => this.buffer.length >= 1, timeoutMs);
    const byte = String.fromCharCode(this.buffer[0] ?? 0);
    this.buffer = this.buffer.subarray(1);
    return byte;
  }

  async readMessage(timeoutMs = 5000): Promise<RawMessage> {
    await this.waitFor(
      () => this.buffer.length >= 5 && this.buffer.length >= 1 + this.buffer.readInt32BE(1),
      timeoutMs,
    );
    const length = this.buffer.readInt32BE(1);
    const message = {
      type: String.fromCharCode(this.buffer[0] ?? 0),
      body: this.buffer.subarray(5, 1 + length),
    };
    this.buffer = this.buffer.subarray(1 + length);
    return message;
  }

  /** Reads until a message of the given type, returning everything read. */
  async readUntil(type: string, timeoutMs = 5000): Promise<RawMessage[]> {
    const messages: RawMessage[] = [];
    for (;;) {
      const message = await this.readMessage(timeoutMs);
      messages.push(message);
      if (message.type === type) return messages;
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<void> {
    await this.waitFor(() => this.isClosed, timeoutMs);
  }

  /** Everything received and not read yet, as raw bytes (for answers that are not messages). */
  takeBuffered(): Buffer {
    const taken = this.buffer;
    this.buffer = Buffer.alloc(0);
    return taken;
  }

  close(): void {
    this.socket.destroy();
  }

  private async waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (this.isClosed && !condition()) throw new Error("connection closed");
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error("timed out waiting for the gateway");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

/** ErrorResponse/NoticeResponse fields by their one-letter codes. */
export function errorFields(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const code = String.fromCharCode(body[offset] ?? 0);
    const end = body.indexOf(0, offset + 1);
    fields[code] = body.toString("utf8", offset + 1, end);
    offset = end + 1;
  }
  return fields;
}

/** Byte builders, independent of the code under test. */
export const bytes = {
  startup(params: Record<string, string>, version = 196608): Buffer {
    const pairs = Object.entries(params).flatMap(([k, v]) => [Buffer.from(`${k}\0${v}\0`)]);
    const body = Buffer.concat([int32(version), ...pairs, Buffer.from([0])]);
    return Buffer.concat([int32(body.length + 4), body]);
  },
  untagged(code: number, extra: Buffer = Buffer.alloc(0)): Buffer {
    return Buffer.concat([int32(8 + extra.length), int32(code), extra]);
  },
  tagged(type: string, body: Buffer): Buffer {
    return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
  },
  query(sql: string): Buffer {
    return bytes.tagged("Q", Buffer.from(`${sql}\0`));
  },
  saslInitial(mechanism: string, data: string): Buffer {
    const payload = Buffer.from(data);
    return bytes.tagged("p", Buffer.concat([Buffer.from(`${mechanism}\0`), int32(payload.length), payload]));
  },
  saslResponse(data: string): Buffer {
    return bytes.tagged("p", Buffer.from(data));
  },
};

export function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}
