import type { PrismaClient } from "@sluice/db/prisma";
import { type Repeating, repeatWithoutOverlap } from "@sluice/db/scheduling/repeat-without-overlap";
import type { Verdict } from "@sluice/policy/verdict";
import { packChunk } from "@sluice/recording/chunk-codec";
import { chunkHash } from "@sluice/recording/hash-chain";
import type { ResultEvent } from "@sluice/recording/result-events";
import { DEFAULT_RECORD_RESULT_BYTES, type SessionRecorder } from "@sluice/recording/session-recorder";
import { ClientError } from "@sluice/session/client-error";
import type { SessionInfo } from "@sluice/transport/client-connection";
import { ChunkWrites } from "./chunk-writes";
import {
  FLUSH_SLICE_MS,
  KEPT_BOUND_LOGIN_HINT,
  KEPT_BOUND_LOGIN_MESSAGE,
  KEPT_BOUND_REASON,
  MAX_KEPT_BYTES,
  MAX_RECORDER_BYTES,
  MAX_UNSTORED_BYTES,
  RECORDING_FLUSH_MS,
  RETRY_DELAYS_MS,
  STORE_UNREACHABLE_REASON,
} from "./recording-limits";
import { SessionEnds } from "./session-ends";
import { openRecording, type Recording, recordVerdict } from "./session-recording";
import { SESSION_ROW_BATCH_MS, SessionRowBatches, type SessionRowFields } from "./session-row-batches";
import { StoreRetries } from "./store-retries";

type WriterOptions = {
  /** Ends a live session (with a FATAL to its client) whose recording can no longer keep up. */
  endSession?: (sessionId: string, reason: string) => void;
  maxUnstoredBytes?: number;
  maxRecorderBytes?: number;
  /** MAX_KEPT_BYTES by default: chunk bytes of all sessions waiting for the store. */
  maxKeptBytes?: number;
  /** RETRY_DELAYS_MS by default; tests shorten the window before a session is ended. */
  retryDelaysMs?: readonly number[];
  flushSliceMs?: number;
  /** SESSION_ROW_BATCH_MS by default: how long ended sessions' row writes wait to go together. */
  sessionRowBatchMs?: number;
};

/**
 * Appends each session's recording to the store as SHA-256-chained chunks, flushed every second
 * and at session end. What is recorded is what the client received, after masking.
 */
export class RecordingWriter {
  private readonly sessions = new Map<string, Recording>();
  private readonly timer: Repeating;
  /** The periodic round in progress: a slow one is not overlapped by the next. */
  private flushing: Promise<void> | null = null;
  /** The round asked for while one was in progress: it starts when that one ends. */
  private nextRound: Promise<void> | null = null;
  /** Closed by close: a write still refused then is given up (and named), not retried forever. */
  private readonly retries: StoreRetries;
  /** Chunk bytes of every session not stored yet, for MAX_KEPT_BYTES. */
  private keptBytes = 0;
  /** Every session's chunks to the store, first attempts many to an INSERT. */
  private readonly chunks: ChunkWrites;
  /** Ended sessions' row writes (ends and anchors), first attempts many to an UPDATE. */
  private readonly rows: SessionRowBatches;
  /** Ended sessions' row writes and anchors, until the store takes them. */
  private readonly ends: SessionEnds;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly log: (line: string) => void,
    /** HMAC key of the hash chain (derived from the deployment's secret key). */
    private readonly chainKey: Buffer,
    private readonly options: WriterOptions = {},
  ) {
    this.retries = new StoreRetries(options.retryDelaysMs ?? RETRY_DELAYS_MS);
    this.chunks = new ChunkWrites(prisma, this.retries, log, (chunk, error) =>
      this.endUnrecordable(chunk.sessionId, chunk.seq, error),
    );
    this.rows = new SessionRowBatches(prisma, options.sessionRowBatchMs ?? SESSION_ROW_BATCH_MS);
    this.ends = new SessionEnds(prisma, this.retries, this.rows, log);
    this.timer = repeatWithoutOverlap(RECORDING_FLUSH_MS, () => this.flushAll(), {
      onError: (error) => this.log(`recording flush failed: ${String(error)}`),
    });
  }

  async start(sessionId: string, info: SessionInfo): Promise<void> {
    // The directory read the cap with the rest of the connection at this login: no second round trip.
    const resultBytesCap =
      info.connection.recordResultBytes ??
      (
        await this.prisma.connection.findUnique({
          where: { id: info.connection.connectionId },
          select: { recordResultBytes: true },
        })
      )?.recordResultBytes ??
      DEFAULT_RECORD_RESULT_BYTES;
    this.sessions.set(sessionId, openRecording(info, resultBytesCap));
  }

  verdict(sessionId: string, sql: string, verdict: Verdict): void {
    const recording = this.sessions.get(sessionId);
    if (recording) recordVerdict(recording, sql, verdict);
  }

  /** The HTTP path's events go straight to the session's recorder (there are no wire messages to read). */
  recorderOf(sessionId: string): SessionRecorder | undefined {
    return this.sessions.get(sessionId)?.recorder;
  }

  clientBytes(sessionId: string, bytes: Buffer): void {
    this.sessions.get(sessionId)?.recorder.toClientBytes(bytes);
  }

  /** A MySQL session's result events (already masked), with the connection's result cap applied. */
  resultEvent(sessionId: string, event: ResultEvent): void {
    this.sessions.get(sessionId)?.results.push(event);
  }

  /** Records the end and writes what is left; resolves once the last chunk is stored. */
  end(sessionId: string, reason: string): Promise<void> {
    const recording = this.sessions.get(sessionId);
    if (!recording) return Promise.resolve();
    this.sessions.delete(sessionId);
    recording.recorder.end(reason);
    // The last events go whatever is waiting: the end of a recording is never left behind.
    this.flush(sessionId, recording, true);
    // The anchor: how many chunks the recording ended with and the last hash, on the session row.
    recording.writing = this.ends.anchorAfter(sessionId, recording.writing, () => ({
      recordingChunks: recording.seq,
      recordingHash: recording.prevHash,
    }));
    return this.ends.track(recording.writing);
  }

  /**
   * A session's end (its row's endedAt and counters), tried until the store takes it, with the
   * recording's anchor when the recording is still ending (SessionEnds).
   */
  writeSessionEnd(what: string, sessionId: string, fields: SessionRowFields): Promise<void> {
    return this.ends.writeSessionEnd(what, sessionId, fields);
  }

  /** Writes an ended session's row (its end, its anchor) until the store takes it (SessionEnds). */
  writeSessionRow(what: string, sessionId: string, fields: SessionRowFields): Promise<void> {
    return this.ends.writeSessionRow(what, sessionId, fields);
  }

  /** A write about a session's end, tried until the store takes it; close waits for it (SessionEnds). */
  keepTrying(what: string, write: () => Promise<unknown>): Promise<void> {
    return this.ends.keepTrying(what, write);
  }

  /**
   * Whether the process keeps MAX_KEPT_BYTES for the store: a new session could not be recorded
   * without growing memory past the bound. Every path's logins ask this one check.
   */
  isAtKeptBound(): boolean {
    return this.keptBytes >= (this.options.maxKeptBytes ?? MAX_KEPT_BYTES);
  }

  /** Refuses a SQL login at the kept-chunk bound: 57P03, as any login the store cannot take. */
  refuseIfKeptBound(): void {
    if (!this.isAtKeptBound()) return;
    throw new ClientError("FATAL", "57P03", KEPT_BOUND_LOGIN_MESSAGE, KEPT_BOUND_LOGIN_HINT);
  }

  /** Bytes of every session's chunks still on their way to the store. */
  keptChunkBytes(): number {
    return this.keptBytes;
  }

  /**
   * Ends the live sessions' recordings; a chunk the store still refuses after one more attempt is
   * given up with its gap logged (a shutdown cannot wait for a store that may never come back).
   */
  async close(): Promise<void> {
    this.timer.stop();
    const live = [...this.sessions.keys()].map((sessionId) => this.end(sessionId, "the gateway shut down"));
    this.retries.close();
    // Last chunks and ends waiting to be batched go now, and every later one at once: a shutdown
    // waits for no round.
    this.chunks.close();
    this.rows.close();
    await Promise.all([...live, ...this.ends.inFlight()]);
  }

  /** Bytes of a live session's chunks still on their way to the store. */
  unstoredBytes(sessionId: string): number {
    return this.sessions.get(sessionId)?.unstoredBytes ?? 0;
  }

  /**
   * Every live session's pending events into chunks (the timer does this every second), yielding to
   * the event loop between sessions once a turn has taken FLUSH_SLICE_MS. Resolves when every session
   * has been visited after the call; a session that ended meanwhile was flushed by its end. Asked
   * during a round, it runs one more round after it (one at most, however often it is asked).
   */
  flushAll(): Promise<void> {
    if (this.flushing) {
      this.nextRound ??= this.flushing
        .catch(() => {})
        .then(() => {
          this.nextRound = null;
          return this.flushAll();
        });
      return this.nextRound;
    }
    const sliceMs = this.options.flushSliceMs ?? FLUSH_SLICE_MS;
    const sessionIds = [...this.sessions.keys()];
    // The round's chunks wait for each other (their compression ends at different times) and go
    // to the store as one INSERT.
    const release = this.chunks.hold();
    const packing: Promise<unknown>[] = [];
    this.flushing = (async () => {
      let sliceStart = performance.now();
      for (const sessionId of sessionIds) {
        const recording = this.sessions.get(sessionId);
        const packed = recording ? this.flush(sessionId, recording, false) : undefined;
        if (packed) packing.push(packed);
        if (performance.now() - sliceStart >= sliceMs) {
          await new Promise((resolve) => setImmediate(resolve));
          sliceStart = performance.now();
        }
      }
    })().finally(() => {
      // Chunks still behind an earlier one of their session (a retry) go when their turn comes.
      void Promise.allSettled(packing).then(release);
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Drains a session's events into its next chunk; returns the chunk's compression, if any. */
  private flush(sessionId: string, recording: Recording, isFinal: boolean): Promise<unknown> | undefined {
    if (!recording.recorder.hasPending) return;
    if (!isFinal && this.isAtKeptBound()) {
      // The events stay with the recorder (bounded by its own limits) until the session's end.
      this.endOverflowing(sessionId, recording, KEPT_BOUND_REASON);
      return;
    }
    const maxUnstored = this.options.maxUnstoredBytes ?? MAX_UNSTORED_BYTES;
    if (!isFinal && recording.unstoredBytes >= maxUnstored) {
      const maxRecorder = this.options.maxRecorderBytes ?? MAX_RECORDER_BYTES;
      if (recording.recorder.pendingBytes > maxRecorder)
        this.endOverflowing(
          sessionId,
          recording,
          "the session's recording is not reaching the store; the session was ended so nothing runs unrecorded",
        );
      return;
    }
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
    const size = bytes.length; // the bytes go once compressed; only their count stays for the bound
    recording.unstoredBytes += size;
    this.keptBytes += size;
    // Compression runs on the thread pool; chaining keeps hashing and storing in seq order.
    const packed = packChunk(bytes);
    // Awaited (and its failure logged) when the chain reaches it, which can be seconds away while
    // earlier chunks are retried: handled now, so a failure meanwhile is not an unhandled rejection.
    packed.catch(() => {});
    recording.writing = recording.writing.then(async () => {
      try {
        const payload = await packed;
        const prevHash = recording.prevHash;
        const hash = chunkHash(prevHash, seq, payload, this.chainKey);
        const chunk = {
          sessionId,
          seq,
          payload: new Uint8Array(payload),
          eventCount: events,
          prevHash,
          hash,
        };
        // A chunk given up leaves its seq unused: the next one follows the last stored chunk, so
        // verification names the missing chunk instead of reporting a broken link.
        // An ended session's last chunk goes with the next round's: at a connect per tool call, a
        // store round trip per session end was a sixth of the gateway's CPU per connect.
        if (await this.chunks.store(chunk, isFinal)) recording.prevHash = hash;
      } catch (error) {
        this.log(`recording chunk ${seq} of session ${sessionId} could not be packed: ${String(error)}`);
      } finally {
        recording.unstoredBytes -= size;
        this.keptBytes -= size;
      }
    });
    return packed;
  }

  /** The retries are spent: the session would run on unrecorded, so it is ended (once). */
  private endUnrecordable(sessionId: string, seq: number, error: unknown): void {
    this.log(
      `recording chunk ${seq} of session ${sessionId} is not stored yet, the session is ended and the chunk kept: ${String(error)}`,
    );
    const recording = this.sessions.get(sessionId);
    if (recording) this.endOverflowing(sessionId, recording, STORE_UNREACHABLE_REASON);
  }

  /** Ends a live session (once) whose recording cannot go on without losing or outgrowing a bound. */
  private endOverflowing(sessionId: string, recording: Recording, reason: string): void {
    if (recording.isOverflowing) return;
    recording.isOverflowing = true;
    this.log(`session ${sessionId} is ended: ${reason}`);
    try {
      this.options.endSession?.(sessionId, reason);
    } catch (error) {
      this.log(`session ${sessionId} could not be ended: ${String(error)}`);
    }
  }
}
