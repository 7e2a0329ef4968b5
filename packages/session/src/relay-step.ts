import type { ResultScope } from "./result-scope";

/**
 * What one step of the relay asks the transport to do; the relay itself never touches a socket.
 * Read it before the relay's next call, as the transport does: a step that forwards its message as
 * it is (most of them) is one object per relay, rewritten by each (see `Relay.forward`).
 */
export type RelayStep = {
  toUpstream: Buffer[];
  toClient: Buffer[];
  /** Close both sides after writing (Terminate, or a FATAL already in toClient). */
  isClosing?: boolean;
  /** Where the results of the statement forwarded by this step come from, as its verdict says. */
  scope?: ResultScope;
};

/**
 * `toClient` of a step that answers nothing itself, shared: most steps only forward a message, and
 * an array per message was garbage. Frozen, so no caller can add to another step's answer.
 */
export const NO_BYTES: Buffer[] = Object.freeze([]) as unknown as Buffer[];

/** A step that sends nothing: what the relay answers inside a batch it already refused. */
export const EMPTY_STEP: RelayStep = Object.freeze({ toUpstream: NO_BYTES, toClient: NO_BYTES }) as RelayStep;
