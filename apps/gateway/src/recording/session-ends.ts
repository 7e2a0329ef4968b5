import type { PrismaClient } from "@sluice/db/prisma";
import type { SessionRowBatches, SessionRowFields } from "./session-row-batches";
import type { StoreRetries } from "./store-retries";

/** An ended session's end fields waiting for its anchor, and who waits for them to be stored. */
type Joining = { fields: SessionRowFields; settled: Array<() => void> };

/**
 * The writes about sessions' ends (a row's endedAt and counters, a recording's anchor), each tried
 * until the store takes it: a session whose end is lost looks live forever, and a recording
 * without its anchor cannot be verified. `RecordingWriter` owns one; its close waits for `inFlight`.
 */
export class SessionEnds {
  /** Ended sessions' chunks and anchors still on their way: close waits for them. */
  private readonly endings = new Set<Promise<void>>();
  /** Ended sessions whose anchor is not written yet: their end is written with it. */
  private readonly anchorsToCome = new Map<string, Joining>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly retries: StoreRetries,
    /** Ended sessions' row writes (ends and anchors), first attempts many to an UPDATE. */
    private readonly rows: SessionRowBatches,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * The anchor (how many chunks the recording ended with and the last hash, read once
   * `chunksStored` settles) on the session's row, retried like the chunks. The session's end (the
   * audit's, written next) joins it: one row write per session.
   */
  anchorAfter(sessionId: string, chunksStored: Promise<void>, anchor: () => SessionRowFields): Promise<void> {
    const joining: Joining = { fields: {}, settled: [] };
    this.anchorsToCome.set(sessionId, joining);
    return chunksStored.then(() => {
      this.anchorsToCome.delete(sessionId);
      const written = this.writeSessionRow(`the anchor of session ${sessionId}'s recording`, sessionId, {
        ...joining.fields,
        ...anchor(),
      });
      for (const settled of joining.settled) void written.then(settled);
      return written;
    });
  }

  /**
   * A session's end (its row's endedAt and counters), tried until the store takes it: with the
   * recording's anchor when the recording is still ending (at a connect per tool call, a row write
   * per session instead of two), else on its own.
   */
  writeSessionEnd(what: string, sessionId: string, fields: SessionRowFields): Promise<void> {
    const joining = this.anchorsToCome.get(sessionId);
    if (!joining) return this.writeSessionRow(what, sessionId, fields);
    Object.assign(joining.fields, fields);
    return new Promise((resolve) => joining.settled.push(resolve));
  }

  /**
   * Writes an ended session's row (its end, its anchor) until the store takes it: first with the
   * other ends of the moment in one UPDATE (SessionRowBatches), then alone, as keepTrying does.
   */
  writeSessionRow(what: string, sessionId: string, fields: SessionRowFields): Promise<void> {
    let isFirstAttempt = true;
    return this.keepTrying(what, () => {
      if (isFirstAttempt) {
        isFirstAttempt = false;
        return this.rows.write(sessionId, fields);
      }
      return this.prisma.gatewaySession.update({
        where: { id: sessionId },
        data: fields,
        select: { id: true },
      });
    });
  }

  /**
   * A write about a session's end (its row's endedAt and counters), tried until the store takes it,
   * as its recording is: a session whose end is lost looks live forever. Close waits for it.
   */
  keepTrying(what: string, write: () => Promise<unknown>): Promise<void> {
    return this.track(
      this.retries.untilStored(write).then((givenUp) => {
        if (givenUp)
          this.log(
            `${what} was not stored after ${givenUp.attempts} attempts and the gateway shut down: ${String(givenUp.error)}`,
          );
      }),
    );
  }

  track(ending: Promise<void>): Promise<void> {
    this.endings.add(ending);
    void ending.finally(() => this.endings.delete(ending));
    return ending;
  }

  /** The ends still on their way, for a close to wait for. */
  inFlight(): Promise<void>[] {
    return [...this.endings];
  }
}
