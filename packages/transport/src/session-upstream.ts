import type { ClientSocket } from "./connection-deps";
import { attachUpstreamListeners } from "./upstream-listeners";
import type { AuthenticatedUpstream, UpstreamLogins } from "./upstream-logins";

export type UpstreamEvents = {
  onData: (chunk: Buffer) => void;
  /** The upstream ended or closed while it was still this session's. */
  onGone: () => void;
};

/**
 * An open session's upstream, paired with its client: what one side cannot take yet pauses the
 * other instead of growing the gateway's memory, and the upstream goes back to the UpstreamLogins
 * driver (a pool keeps it for the next session) with nothing of this session left on it.
 */
export class SessionUpstream {
  private isReleased = false;
  /** Messages of one client read on their way upstream, while `isGathering` (a new array per read). */
  private gathered: Buffer[] = [];
  private isGathering = false;
  private detach: () => void = () => {};
  private readonly resumeClient = () => this.client.resume();

  constructor(
    private readonly upstream: AuthenticatedUpstream,
    private readonly client: ClientSocket,
    private readonly deps: { upstreams: UpstreamLogins; log: (line: string) => void },
  ) {}

  get socket(): AuthenticatedUpstream["socket"] {
    return this.upstream.socket;
  }

  get frames(): AuthenticatedUpstream["frames"] {
    return this.upstream.frames;
  }

  /** Starts reading: first what the upstream sent after its ReadyForQuery, then the socket. */
  attach(events: UpstreamEvents): void {
    this.detach = attachUpstreamListeners(
      this.upstream.socket,
      {
        onData: events.onData,
        onError: (error) => this.deps.log(`upstream error: ${error.message}`),
        onGone: events.onGone,
      },
      { drain: this.resumeClient },
    );
    if (this.upstream.frames.buffered() > 0) events.onData(Buffer.alloc(0));
    this.upstream.socket.resume();
  }

  /**
   * From now until `flushGathered`, what goes upstream is kept and then written at once: a pipelined
   * batch (Bind, Execute, Sync) is one write, a view of the client's read itself when its messages
   * went on unchanged, one after another.
   */
  gather(): void {
    this.isGathering = true;
  }

  /** @param read the client's last read: what was gathered goes as that read itself when it is all of it. */
  flushGathered(read?: Buffer): void {
    if (!this.isGathering) return;
    this.isGathering = false;
    const gathered = this.gathered;
    if (gathered.length === 0) return;
    // A new array, not `length = 0`: V8 sets an array's length in its runtime, once a client read.
    this.gathered = [];
    this.write(joined(gathered, read));
  }

  /** A slow upstream pauses the client; once released, a late step's bytes are dropped. */
  toUpstream(bytes: Buffer): void {
    if (this.isGathering) this.gathered.push(bytes);
    else this.write(bytes);
  }

  private write(bytes: Buffer): void {
    const socket = this.upstream.socket;
    if (this.isReleased || socket.write(bytes)) return;
    this.client.pause();
    socket.once("drain", this.resumeClient);
  }

  /** A slow client pauses the upstream, while the upstream is still this session's. */
  toClient(bytes: Buffer): void {
    const socket = this.upstream.socket;
    if (this.client.write(bytes) || this.isReleased) return;
    socket.pause();
    // A released upstream belongs to the pool: the client's drain must not resume it.
    this.client.once("drain", () => {
      if (!this.isReleased) socket.resume();
    });
  }

  /**
   * Gives the upstream back, once: idle when the relay says everything was answered outside a
   * transaction (`isRelayIdle`) and no answer is half read.
   */
  release(isRelayIdle: boolean): void {
    if (this.isReleased) return;
    // What the session sent before it ended goes first, ahead of anything the pool sends.
    this.flushGathered();
    this.isReleased = true;
    this.detach();
    const isIdle = isRelayIdle && this.upstream.frames.buffered() === 0;
    this.deps.upstreams.release(this.upstream, { isIdle });
  }
}

/**
 * The pieces as one buffer: a view of the memory they share when each starts where the last ends,
 * `read` itself when that view would be all of it and nothing else (a client read relayed whole).
 */
function joined(pieces: Buffer[], read: Buffer | undefined): Buffer {
  const first = pieces[0] as Buffer;
  if (pieces.length === 1) return first;
  let end = first.byteOffset + first.length;
  for (let i = 1; i < pieces.length; i += 1) {
    const piece = pieces[i] as Buffer;
    if (piece.buffer !== first.buffer || piece.byteOffset !== end) return Buffer.concat(pieces);
    end += piece.length;
  }
  const length = end - first.byteOffset;
  if (read && read.buffer === first.buffer && read.byteOffset === first.byteOffset && read.length === length)
    return read;
  return Buffer.from(first.buffer, first.byteOffset, length);
}
