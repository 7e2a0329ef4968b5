import type { Dispatcher } from "undici";

/** Where an upstream body goes once the relay has judged the answer's headers. */
export type AnswerSink = {
  /** A piece of body; false asks the upstream socket to pause until `UpstreamAnswer.resume`. */
  data: (chunk: Buffer) => boolean;
  end: () => void;
  /** The body failed after the headers: `reason` is in words for the agent. */
  fail: (reason: string) => void;
};

/**
 * Body bytes kept for the relay between the headers and the moment it attaches (one socket read
 * at most: the relay attaches before the next I/O event); past this the socket pauses.
 */
const EARLY_BODY_BYTES = 256 * 1024;

/**
 * One upstream response as undici's dispatcher delivers it: the status and raw headers as strings
 * (as Node's client gives them, latin1), then body chunks, then its end or failure. No stream
 * object sits between the socket and the relay, which is most of what this saves over Node's
 * client (see docs/benchmarks.md, HTTP). Chunks that arrive before the relay attaches are kept.
 *
 * It uses the dispatcher's raw handler interface (`onHeaders` with the headers' bytes), which
 * undici 7 marks deprecated in favour of one that parses headers into an object: that one would
 * fold duplicate headers, which the response plan must see as sent.
 */
export class UpstreamAnswer implements Dispatcher.DispatchHandler {
  status = 0;
  readonly rawHeaders: string[] = [];
  /** The whole body has come (so `takeBody` holds all of it until a sink is attached). */
  isComplete = false;
  private abortCall: ((error?: Error) => void) | null = null;
  /** Ended by the gateway before the dispatcher gave it a socket: aborted as soon as it does. */
  private abandoned: Error | null = null;
  private resumeReading: (() => void) | null = null;
  private hasHeaders = false;
  /** Failed or ended: whatever the dispatcher reports after this is not news. */
  private isEnded = false;
  private early: Buffer[] = [];
  private earlyBytes = 0;
  private failure: string | null = null;
  private sink: AnswerSink | null = null;

  constructor(
    private readonly events: {
      /** The final status line and headers came (1xx answers are skipped). */
      onHeaders: (answer: UpstreamAnswer) => void;
      /** The call failed before any header: nothing was answered. */
      onFailedBeforeHeaders: (error: Error) => void;
      /** A failure after the headers, in words for the agent. */
      describeBodyFailure: (error: Error) => string;
    },
  ) {}

  onConnect(abort: (error?: Error) => void): void {
    if (this.abandoned) abort(this.abandoned);
    else this.abortCall = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // An informational answer (100 Continue, 103 Early Hints): the final one follows.
    if (status < 200) return true;
    this.status = status;
    for (const header of rawHeaders) this.rawHeaders.push(header.toString("latin1"));
    this.resumeReading = resume;
    this.hasHeaders = true;
    this.events.onHeaders(this);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.sink) return this.sink.data(chunk);
    this.early.push(chunk);
    this.earlyBytes += chunk.length;
    return this.earlyBytes < EARLY_BODY_BYTES;
  }

  onComplete(): void {
    this.isComplete = true;
    this.sink?.end();
  }

  onError(error: Error): void {
    if (this.isEnded) return;
    this.isEnded = true;
    if (!this.hasHeaders) {
      this.events.onFailedBeforeHeaders(error);
      return;
    }
    this.failure = this.events.describeBodyFailure(error);
    this.sink?.fail(this.failure);
  }

  /** The body received so far, taken out (the whole of it once `isComplete`). */
  takeBody(): Buffer[] {
    const taken = this.early;
    this.early = [];
    this.earlyBytes = 0;
    return taken;
  }

  /** Sends the rest of the body to `sink`: what came already first, then its end or failure. */
  attach(sink: AnswerSink): void {
    this.sink = sink;
    const wasPaused = this.earlyBytes >= EARLY_BODY_BYTES;
    let isPaused = false;
    for (const chunk of this.takeBody()) isPaused = !sink.data(chunk) || isPaused;
    if (this.isComplete) sink.end();
    else if (this.failure !== null) sink.fail(this.failure);
    // Paused for want of a sink, and the sink wants more: read on (else its drain resumes).
    else if (wasPaused && !isPaused) this.resume();
  }

  /** Lets a paused upstream socket read again. */
  resume(): void {
    this.resumeReading?.();
  }

  /**
   * Ends the call, its answer not wanted (a timeout, the agent gone, a refused plan): the upstream
   * socket is closed unless the answer is complete. Before the headers, the caller hears `error`.
   */
  destroy(error: Error = new Error("the gateway ended the call")): void {
    if (this.isComplete || this.isEnded) return;
    this.isEnded = true;
    if (!this.hasHeaders) this.events.onFailedBeforeHeaders(error);
    if (this.abortCall) this.abortCall(error);
    else this.abandoned = error;
  }
}
