import { type Packet, PacketBuffer } from "@sluice/mysql-wire/packet-buffer";

/** Socket → packets, delivered one at a time to an async handler (MySQL is request/response). */
export class PacketPump {
  private readonly buffer: PacketBuffer;
  private isRunning = false;
  private isPaused = false;

  constructor(
    maxPayload: number,
    private handler: (packet: Packet) => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {
    this.buffer = new PacketBuffer(maxPayload);
  }

  setHandler(handler: (packet: Packet) => Promise<void>, maxPayload: number): void {
    this.handler = handler;
    this.buffer.setMaxPayloadBytes(maxPayload);
  }

  push(chunk: Buffer): void {
    this.buffer.append(chunk);
    void this.drain();
  }

  /** Stops reading packets (the TLS layer takes over the stream) and returns what was not read. */
  pauseAndTakeRest(): Buffer {
    this.isPaused = true;
    return this.buffer.takeRest();
  }

  resume(): void {
    this.isPaused = false;
  }

  private async drain(): Promise<void> {
    if (this.isRunning) return;
    this.isRunning = true;
    try {
      // One packet at a time: a handler may hand the rest of the stream to TLS.
      for (;;) {
        if (this.isPaused) break;
        const packet = this.buffer.next();
        if (!packet) break;
        await this.handler(packet);
      }
    } catch (error) {
      this.onError(error);
    } finally {
      this.isRunning = false;
    }
  }
}
