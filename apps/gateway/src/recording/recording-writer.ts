import type { PrismaClient } from "@sluice/db/prisma";
import type { Verdict } from "@sluice/policy/verdict";
import { packChunk } from "@sluice/recording/chunk-codec";
import { chunkHash, GENESIS_HASH } from "@sluice/recording/hash-chain";
import { DEFAULT_RECORD_RESULT_BYTES, SessionRecorder } from "@sluice/recording/session-recorder";
import type { SessionHooks, SessionInfo } from "@sluice/transport/client-connection";

/** Recordings reach the store at least this often: a gateway crash loses at most this much. */
export const RECORDING_FLUSH_MS = 1000;

type Recording = {
  recorder: SessionRecorder;
  seq: number;
  prevHash: string;
  /** Chunk writes of one session go one after another, so the chain is stored in order. */
  writing: Promise<void>;
  isHeld: boolean;
};

/**
 * Appends each session's recording to the store as SHA-256-chained chunks, flushed every second
 * and at session end. What is recorded is what the client received, after masking.
 */
export class RecordingWriter {
  private readonly sessions = new Map<string, Recording>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly log: (line: string) => void,
    /** HMAC key of the hash chain (derived from the deployment's secret key). */
    private readonly chainKey: Buffer,
  ) {
    this.timer = setInterval(() => this.flushAll(), RECORDING_FLUSH_MS);
    this.timer.unref();
  }

  async start(sessionId: string, info: SessionInfo): Promise<void> {
    const connection = await this.prisma.connection.findUnique({
      where: { id: info.connection.connectionId },
      select: { recordResultBytes: true },
    });
    const recorder = new SessionRecorder({
      resultBytesCap: connection?.recordResultBytes ?? DEFAULT_RECORD_RESULT_BYTES,
    });
    recorder.connect({
      agent: info.agent.agentName,
      groups: [...info.agent.groups],
      connection: info.connection.name,
      clientAddress: info.clientAddress,
      isTls: info.isTls,
    });
    this.sessions.set(sessionId, {
      recorder,
      seq: 0,
      prevHash: GENESIS_HASH,
      writing: Promise.resolve(),
      isHeld: false,
    });
  }

  verdict(sessionId: string, sql: string, verdict: Verdict): void {
    const recording = this.sessions.get(sessionId);
    if (!recording) return;
    const isRelease = recording.isHeld;
    recording.isHeld = verdict.kind === "hold";
    recording.recorder.verdict(
      sql,
      {
        kind: verdict.kind,
        ...(verdict.kind === "allow"
          ? { maskedTables: verdict.maskedTables ?? [], ...(verdict.note ? { message: verdict.note } : {}) }
          : { rule: verdict.rule, message: verdict.message }),
      },
      isRelease,
    );
  }

  clientBytes(sessionId: string, bytes: Buffer): void {
    this.sessions.get(sessionId)?.recorder.toClientBytes(bytes);
  }

  /** Records the end and writes what is left; resolves once the last chunk is stored. */
  end(sessionId: string, reason: string): Promise<void> {
    const recording = this.sessions.get(sessionId);
    if (!recording) return Promise.resolve();
    this.sessions.delete(sessionId);
    recording.recorder.end(reason);
    this.flush(sessionId, recording);
    // The anchor: how many chunks the recording ended with and the last hash, on the session row.
    recording.writing = recording.writing.then(() =>
      this.prisma.gatewaySession
        .update({
          where: { id: sessionId },
          data: { recordingChunks: recording.seq, recordingHash: recording.prevHash },
        })
        .then(
          () => {},
          (error: unknown) =>
            this.log(`the end of session ${sessionId}'s recording was not anchored: ${String(error)}`),
        ),
    );
    return recording.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(
      [...this.sessions.keys()].map((sessionId) => this.end(sessionId, "the gateway shut down")),
    );
  }

  private flushAll(): void {
    for (const [sessionId, recording] of this.sessions) this.flush(sessionId, recording);
  }

  private flush(sessionId: string, recording: Recording): void {
    if (!recording.recorder.hasPending) return;
    let drained: { bytes: Buffer; events: number };
    try {
      drained = recording.recorder.drainBytes();
    } catch (error) {
      this.log(`recording of session ${sessionId} could not be drained: ${String(error)}`);
      return;
    }
    const { bytes, events } = drained;
    // Counted rows, left-out COPY data: a second can hold nothing to show.
    if (events === 0) return;
    const seq = recording.seq;
    recording.seq += 1;
    // Compression runs on the thread pool; chaining keeps hashing and storing in seq order.
    const packed = packChunk(bytes);
    recording.writing = recording.writing.then(async () => {
      try {
        const payload = await packed;
        const prevHash = recording.prevHash;
        const hash = chunkHash(prevHash, seq, payload, this.chainKey);
        recording.prevHash = hash;
        await this.prisma.recordingChunk.create({
          data: {
            sessionId,
            seq,
            payload: new Uint8Array(payload),
            eventCount: events,
            prevHash,
            hash,
          },
          select: { seq: true },
        });
      } catch (error) {
        this.log(`recording chunk ${seq} of session ${sessionId} was not stored: ${String(error)}`);
      }
    });
  }
}

/** Session hooks that record, composed with the audit hooks that create and close the session row. */
export function withRecording(audit: SessionHooks, writer: RecordingWriter): SessionHooks {
  return {
    async onSessionStart(info) {
      const sessionId = await audit.onSessionStart(info);
      await writer.start(sessionId, info);
      return sessionId;
    },
    onVerdict(sessionId, sql, verdict) {
      writer.verdict(sessionId, sql, verdict);
      audit.onVerdict?.(sessionId, sql, verdict);
    },
    onClientBytes(sessionId, bytes) {
      writer.clientBytes(sessionId, bytes);
    },
    onSessionEnd(sessionId, reason) {
      void writer.end(sessionId, reason);
      audit.onSessionEnd(sessionId, reason);
    },
  };
}
