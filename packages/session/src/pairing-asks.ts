import { InOrderQueue } from "./in-order-queue";
import type { ResultScope } from "./result-scope";
import type { ResultSource, StatementEntry } from "./result-source";

/**
 * One message sent upstream that the server will answer, in the order it will answer. A Parse or
 * Bind keeps what its name held before it, and a Close what it names: an error or a CloseComplete
 * is matched against them (see `OpenNames`).
 */
export type Ask =
  | { kind: "query"; scope: ResultScope }
  | { kind: "parse"; name: string; entry: StatementEntry; previous: StatementEntry | undefined }
  | { kind: "bind"; name: string; portal: ResultSource; previous: ResultSource | undefined }
  | { kind: "describeStatement"; entry: StatementEntry | null }
  | { kind: "describePortal"; portal: ResultSource; isHidden: boolean }
  | { kind: "execute"; portal: ResultSource }
  | { kind: "close"; target: "S" | "P"; name: string; entry: StatementEntry | ResultSource | undefined }
  | { kind: "sync" };

/** A Sync's ask carries nothing of its own: one object for all, frozen (one per transaction was garbage). */
export const SYNC_ASK: Ask = Object.freeze({ kind: "sync" });

/**
 * What the upstream still owes answers to, oldest first. The server answers in order and ends each
 * batch with a ReadyForQuery, after a Sync or a simple Query: that is where the queue is cut.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY
 */
export class AskQueue extends InOrderQueue<Ask> {
  /** ReadyForQuery came: the asks up to its Sync or Query, that one included, are all answered. */
  dropThroughReady(): void {
    for (let ask = this.shift(); ask; ask = this.shift()) {
      if (ask.kind === "sync" || ask.kind === "query") break;
    }
  }

  /** The scopes of the asks in the queue that can produce rows, an error or a notice. */
  scopesInto(scopes: ResultScope[]): ResultScope[] {
    for (let i = 0, ask = this.at(0); ask; ask = this.at(++i)) {
      if (ask.kind === "query") scopes.push(ask.scope);
      else if (ask.kind === "parse") scopes.push(ask.entry.scope);
      else if (ask.kind === "bind" || ask.kind === "execute" || ask.kind === "describePortal")
        scopes.push(ask.portal.scope);
    }
    return scopes;
  }
}
