import type { ClientMessage } from "@sluice/wire/client-messages";
import { TAGGED_HEADER_BYTES } from "@sluice/wire/limits";
import { ClientError } from "./client-error";

/**
 * Nothing the client pipelined behind a statement that may run unjudged code reaches the server
 * before the server has said whether that code moved a pinned setting.
 *
 * Such code (a function an admin allowed by name, a trigger) can run `set_config('client_encoding',
 * 'GBK', false)`; the server reports it (ParameterStatus) only just before its next ReadyForQuery,
 * where the pinned-settings backstop ends the session. Bytes already at the server by then are read
 * in the new encoding. So:
 *   - after such a simple Query, every later client message waits for that Query's ReadyForQuery;
 *   - in an extended batch, once a portal of such a statement is Executed, the rest of the batch
 *     (up to Sync) cannot wait (the server answers only at Sync): a message whose bytes another
 *     encoding, or standard_conforming_strings = off, could read differently (a byte ≥ 0x80 or a
 *     backslash) is refused; ASCII ones go on; after the Sync, every later message waits for its
 *     ReadyForQuery.
 * Waiting messages stay in the transport's queue with the client socket paused (backpressure); they
 * are judged and forwarded in order once the gate opens, or never, if the backstop ended the session.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-ASYNC
 */
const COPY_MESSAGES = new Set<string>(["copyData", "copyDone", "copyFail"]);
/** Messages no encoding reads differently: no text in them, or COPY's own. */
const TEXTLESS_MESSAGES = new Set<string>([...COPY_MESSAGES, "sync", "flush", "terminate"]);

export class PipelineGate {
  /** The batch (see Relay's batch serial) whose ReadyForQuery opens the gate; null when open. */
  private closedUntil: number | null = null;
  private opened: (() => void)[] = [];
  /** The extended batch being built Executed a portal that may run unjudged code. */
  private isBatchTainted = false;
  /** Portals bound from statements that may run unjudged code. */
  private readonly unjudgedPortals = new Set<string>();

  /** For a client message: null to handle it now, or a Promise that settles when it may be. */
  waitFor(message: ClientMessage["name"]): Promise<void> | null {
    // Open (nearly always): nothing to look up per message.
    if (this.closedUntil === null) return null;
    // COPY data must reach the COPY it belongs to, which was judged; its encoding is fixed at its start.
    return COPY_MESSAGES.has(message) ? null : this.whenOpen();
  }

  /** For a client message: the refusal it gets in a tainted batch, or null. */
  refusalFor(message: ClientMessage["name"], raw: Buffer): ClientError | null {
    if (!this.isBatchTainted) return null;
    return TEXTLESS_MESSAGES.has(message) ? null : this.refusalInBatch(raw);
  }

  /** A Promise that settles when the gate opens, or null while it is open. */
  whenOpen(): Promise<void> | null {
    if (this.closedUntil === null) return null;
    return new Promise((resolve) => this.opened.push(resolve));
  }

  /** A simple Query went upstream as batch `batch`: closes the gate when it, or its batch, may run code. */
  afterQuery(batch: number, mayRunUnjudgedCode: boolean): void {
    // A Query ends an extended batch's implicit transaction as Sync does, and reports at its end.
    if (mayRunUnjudgedCode || this.isBatchTainted) this.closeUntil(batch);
    this.isBatchTainted = false;
  }

  /** A Bind went upstream: its portal runs unjudged code when Executed, or no longer does. */
  afterBind(portal: string, mayRunUnjudgedCode: boolean): void {
    if (mayRunUnjudgedCode) this.unjudgedPortals.add(portal);
    else if (this.unjudgedPortals.size > 0) this.unjudgedPortals.delete(portal);
  }

  afterClosePortal(portal: string): void {
    this.unjudgedPortals.delete(portal);
  }

  /** An Execute went upstream: from here the server may read this batch in another encoding. */
  afterExecute(portal: string): void {
    if (this.unjudgedPortals.size > 0 && this.unjudgedPortals.has(portal)) this.isBatchTainted = true;
  }

  /** The batch's Sync went upstream as batch `batch`. */
  afterSync(batch: number): void {
    if (this.isBatchTainted) this.closeUntil(batch);
    this.isBatchTainted = false;
  }

  /**
   * The refusal for a message of a tainted batch that could be read differently, or null. Sync and
   * Flush carry no text; COPY data is converted with the encoding its COPY started with.
   */
  refusalInBatch(raw: Buffer): ClientError | null {
    if (!this.isBatchTainted || !couldReadDifferently(raw)) return null;
    return ClientError.error(
      "42501",
      "refused by Sluice: this message follows, in the same batch, a statement that may run code Sluice cannot judge (a function allowed by name, a trigger), which could change how the server reads the message's non-ASCII bytes or backslashes",
      "send it after the batch's Sync",
    );
  }

  /** The upstream's ReadyForQuery ending batch `batch`: the backstop has seen its ParameterStatus. */
  afterReady(batch: number): void {
    if (this.closedUntil === null || batch < this.closedUntil) return;
    this.closedUntil = null;
    const opened = this.opened;
    this.opened = [];
    for (const open of opened) open();
  }

  private closeUntil(batch: number): void {
    this.closedUntil = Math.max(this.closedUntil ?? batch, batch);
  }
}

/** A byte ≥ 0x80 starts a multibyte character in some client encodings; a backslash escapes when standard_conforming_strings is off. */
export function couldReadDifferently(raw: Buffer): boolean {
  // The header (type and length) is never decoded as text.
  for (let at = TAGGED_HEADER_BYTES; at < raw.length; at++) {
    const byte = raw[at] as number;
    if (byte >= 0x80 || byte === 0x5c) return true;
  }
  return false;
}
