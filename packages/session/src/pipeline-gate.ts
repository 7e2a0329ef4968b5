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
 * A portal counts as running only judged code only while the gateway knows what its name stands
 * for: bound here from a statement that runs none. SQL cursors are portals (one namespace on the
 * server), so a DECLAREd cursor Executed by name, or a name SQL may have closed or replaced since
 * its Bind (CLOSE, DECLARE, the end of a (sub)transaction, unjudged code itself), counts as one that
 * may run unjudged code until bound again. (A Bind the server refused, say to a name a cursor holds,
 * leaves the gate trusting the name; but the error aborts the transaction, and only a Sync that ends
 * it or a ROLLBACK, which drop that cursor or make the gate forget every name, comes next.)
 * Waiting messages stay in the transport's queue with the client socket paused (backpressure); they
 * are judged and forwarded in order once the gate opens, or never, if the backstop ended the session.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-ASYNC
 */
/** What running a statement may do, as its verdict said (see SqlNameEffects). */
export type PortalEffects = {
  /** It may run code the gateway did not judge (a function allowed by name, a trigger). */
  mayRunUnjudgedCode?: boolean;
  /** It may close or replace portals by SQL (CLOSE, DECLARE, the end of a (sub)transaction). */
  dropsPortals?: boolean;
};

const COPY_MESSAGES = new Set<string>(["copyData", "copyDone", "copyFail"]);
/** Messages no encoding reads differently: no text in them, or COPY's own. */
const TEXTLESS_MESSAGES = new Set<string>([...COPY_MESSAGES, "sync", "flush", "terminate"]);

export class PipelineGate {
  /** The batch (see Relay's batch serial) whose ReadyForQuery opens the gate; null when open. */
  private closedUntil: number | null = null;
  private opened: (() => void)[] = [];
  /** The extended batch being built Executed a portal that may run unjudged code. */
  private isBatchTainted = false;
  /** Portals bound from statements that run only judged code, as far as nothing replaced them since. */
  private readonly judgedPortals = new Set<string>();
  /** Portals bound from SQL that may close or replace portals by name (see PortalEffects). */
  private readonly droppingPortals = new Set<string>();

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
  afterQuery(batch: number, effects: PortalEffects): void {
    // A Query ends an extended batch's implicit transaction as Sync does, and reports at its end.
    if (effects.mayRunUnjudgedCode || this.isBatchTainted) this.closeUntil(batch);
    this.isBatchTainted = false;
    if (effects.mayRunUnjudgedCode || effects.dropsPortals) this.forgetPortals();
  }

  /** A Bind went upstream: its portal runs unjudged code when Executed, or no longer does. */
  afterBind(portal: string, effects: PortalEffects): void {
    if (effects.mayRunUnjudgedCode) this.judgedPortals.delete(portal);
    else this.judgedPortals.add(portal);
    if (effects.dropsPortals) this.droppingPortals.add(portal);
    else if (this.droppingPortals.size > 0) this.droppingPortals.delete(portal);
  }

  afterClosePortal(portal: string): void {
    this.judgedPortals.delete(portal);
    this.droppingPortals.delete(portal);
  }

  /** An Execute went upstream: from here the server may read this batch in another encoding. */
  afterExecute(portal: string): void {
    if (!this.judgedPortals.has(portal)) {
      // A name never bound here (a SQL cursor), or whose Bind may have been replaced: fail closed.
      this.isBatchTainted = true;
      // The code it runs can DECLARE or CLOSE cursors too.
      this.forgetPortals();
    } else if (this.droppingPortals.size > 0 && this.droppingPortals.has(portal)) this.forgetPortals();
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

  /** SQL may have closed or replaced any portal: no name is known to run only judged code. */
  private forgetPortals(): void {
    this.judgedPortals.clear();
    this.droppingPortals.clear();
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
