import type { Duplex } from "node:stream";
import { DEFAULT_POOL_SIZE, DEFAULT_POOL_WAIT_SECONDS } from "@sluice/policy/pool-limits";
import { UpstreamPoolExhausted } from "@sluice/session/connection-failures";
import type { ConnectionRecord } from "@sluice/session/directory";
import type { UpstreamSession } from "@sluice/session/upstream-login";
import { createUpstreamReset } from "@sluice/session/upstream-reset";
import { encodeQuery, encodeTerminate } from "@sluice/wire/client-encoders";
import type { FrameBuffer } from "@sluice/wire/frame-buffer";
import { ServerCode, TransactionStatus } from "@sluice/wire/server-codes";
import { createPoolKeys } from "./pool-key";
import { exchange } from "./upstream-exchange";
import {
  type AuthenticatedUpstream,
  createDirectUpstreamLogins,
  type DirectUpstreamLoginsOptions,
  type UpstreamLoginRequest,
  type UpstreamLogins,
} from "./upstream-logins";

/** When the connection record names none (tests' in-memory directories): the store's defaults. */
const DEFAULT_POOL_WAIT_MS = DEFAULT_POOL_WAIT_SECONDS * 1000;
/**
 * An idle login unused this long is closed. A burst of per-tool-call connects reuses logins within
 * seconds; a minute without a taker means the burst is over, and the server's connection slot
 * (PostgreSQL's default max_connections is 100, shared by every client) is worth more to others.
 */
export const IDLE_CLOSE_MS = 60_000;
/**
 * Idle logins one gateway process keeps, across all its connections; past it the login idle longest
 * is closed. `poolSize` bounds what one connection may use at once; this bounds what the process
 * holds while nobody uses it: with two workers (a 2-core host's default), 32 of the default 100 slots.
 */
export const MAX_IDLE_LOGINS = 16;
/** An idle login unused this long is asked an empty query before an agent gets it (the server may be gone). */
export const CHECK_AFTER_IDLE_MS = 30_000;
/** A reset or check slower than this closes the login: a healthy idle backend answers in milliseconds. */
export const EXCHANGE_TIMEOUT_MS = 10_000;

/** One logged-in backend the pool owns, whoever is using it. */
type Backend = {
  key: string;
  socket: Duplex;
  frames: FrameBuffer;
  session: UpstreamSession;
  /** The server's reported settings, by name: the login's, as the last reset left them. */
  parameters: Map<string, Buffer>;
  idleSince: number;
  /** While idle: what drops it when the server closes it or speaks unasked, and its idle timer. */
  unwatch?: () => void;
};

type ConnectionPool = {
  /** Backends open or being opened, idle or in use or being reset. */
  open: number;
  idle: Backend[];
  waiters: Array<() => void>;
};

type Lease = { pool: ConnectionPool; backend: Backend; isReleased: boolean; isCancelled: boolean };

/** The idle limits, replaceable so tests see a backend closed in their own time. */
export type UpstreamPoolIdleLimits = {
  /** Default IDLE_CLOSE_MS. */
  idleCloseMs?: number;
  /** Default MAX_IDLE_LOGINS. */
  maxIdleLogins?: number;
};

export type UpstreamPoolOptions = DirectUpstreamLoginsOptions & UpstreamPoolIdleLimits;

export type UpstreamPool = UpstreamLogins & {
  /** Idle, in use, and opening logins per connection id, for tests and operators. */
  stats: (connectionId: string) => { open: number; idle: number; waiting: number };
  /** Closes every idle login; logins in use are closed when released. */
  close: () => void;
};

/**
 * Session pooling: an agent's session gets a backend already logged in as the connection's
 * brokered user, with the same startup settings, and gives it back when it ends. A backend is
 * reused only when the session left nothing in flight, never cancelled through it, and the reset
 * (DISCARD ALL, then the server's own answer that nothing is left: see upstream-reset) succeeded;
 * otherwise it is closed. Pools are per gateway process (each cluster worker has its own).
 */
export function createUpstreamPool(options: UpstreamPoolOptions): UpstreamPool {
  const direct = createDirectUpstreamLogins(options);
  const idleCloseMs = options.idleCloseMs ?? IDLE_CLOSE_MS;
  const maxIdleLogins = options.maxIdleLogins ?? MAX_IDLE_LOGINS;
  const pools = new Map<string, ConnectionPool>();
  const leases = new WeakMap<AuthenticatedUpstream, Lease>();
  const poolKey = createPoolKeys();
  let isClosed = false;

  const poolFor = (connectionId: string): ConnectionPool => {
    let pool = pools.get(connectionId);
    if (!pool) {
      pool = { open: 0, idle: [], waiters: [] };
      pools.set(connectionId, pool);
    }
    return pool;
  };

  const wake = (pool: ConnectionPool) => pool.waiters.shift()?.();

  const discard = (pool: ConnectionPool, backend: Backend, why: string) => {
    backend.unwatch?.();
    pool.open -= 1;
    if (why) options.log(`closed a pooled upstream login: ${why}`);
    backend.socket.on("error", () => {});
    if (!backend.socket.destroyed) backend.socket.end(encodeTerminate());
    setTimeout(() => backend.socket.destroy(), EXCHANGE_TIMEOUT_MS).unref();
    wake(pool);
  };

  /** Idle: anything from the server (a shutdown's FATAL, the socket closing) means it is not reusable. */
  const keepIdle = (pool: ConnectionPool, backend: Backend) => {
    backend.idleSince = Date.now();
    const drop = (why: string) => () => {
      const index = pool.idle.indexOf(backend);
      if (index >= 0) pool.idle.splice(index, 1);
      discard(pool, backend, why);
    };
    const onData = drop("the server spoke while it was idle (shutting down?)");
    const onGone = drop("the server closed it while it was idle");
    const timer = setTimeout(drop(""), idleCloseMs);
    timer.unref();
    backend.socket.on("data", onData);
    backend.socket.on("error", onGone);
    backend.socket.on("end", onGone);
    backend.socket.on("close", onGone);
    backend.unwatch = () => {
      clearTimeout(timer);
      backend.socket.off("data", onData);
      backend.socket.off("error", onGone);
      backend.socket.off("end", onGone);
      backend.socket.off("close", onGone);
      backend.unwatch = undefined;
    };
    backend.socket.resume();
    pool.idle.push(backend);
    capIdle();
    wake(pool);
  };

  /** Past the process's idle cap, the login idle longest, whichever connection it serves, makes room. */
  const capIdle = () => {
    let idleCount = 0;
    for (const pool of pools.values()) idleCount += pool.idle.length;
    for (; idleCount > maxIdleLogins; idleCount -= 1) {
      // Each pool's idle list is in the order its logins came back: its head is its longest idle.
      let oldest: ConnectionPool | undefined;
      for (const pool of pools.values()) {
        const head = pool.idle[0];
        if (head && (!oldest || head.idleSince < (oldest.idle[0] as Backend).idleSince)) oldest = pool;
      }
      if (!oldest) return;
      discard(oldest, oldest.idle.shift() as Backend, "");
    }
  };

  /** A backend idle for long is asked an empty query first: a server that restarted meanwhile fails it. */
  const isStillThere = async (backend: Backend): Promise<boolean> => {
    if (Date.now() - backend.idleSince < CHECK_AFTER_IDLE_MS) return true;
    try {
      await exchange(
        backend.socket,
        backend.frames,
        encodeQuery(""),
        (type, body) => {
          if (type === ServerCode.EmptyQueryResponse) return null;
          if (type === ServerCode.ReadyForQuery && body[0] === TransactionStatus.Idle) return true;
          throw new Error(`unexpected message type ${type} answering an empty query`);
        },
        EXCHANGE_TIMEOUT_MS,
      );
      return true;
    } catch {
      return false;
    }
  };

  const lend = (
    pool: ConnectionPool,
    backend: Backend,
    connection: ConnectionRecord,
  ): AuthenticatedUpstream => {
    const upstream: AuthenticatedUpstream = {
      connection,
      socket: backend.socket,
      frames: backend.frames,
      session: {
        ...backend.session,
        parameterStatus: [...backend.parameters.values()],
        transactionStatus: "I",
      },
    };
    leases.set(upstream, { pool, backend, isReleased: false, isCancelled: false });
    return upstream;
  };

  const takeIdle = (pool: ConnectionPool, key: string): Backend | null => {
    const index = pool.idle.findIndex((backend) => backend.key === key);
    if (index < 0) return null;
    const [backend] = pool.idle.splice(index, 1) as [Backend];
    backend.unwatch?.();
    backend.socket.pause();
    return backend;
  };

  /** At the limit, an idle login with other startup settings makes room for this one. */
  const evictOtherIdle = (pool: ConnectionPool): boolean => {
    const backend = pool.idle.shift();
    if (!backend) return false;
    discard(pool, backend, "");
    return true;
  };

  const openBackend = async (request: UpstreamLoginRequest, key: string): Promise<Backend> => {
    const upstream = await direct.acquire(request);
    return {
      key,
      socket: upstream.socket,
      frames: upstream.frames,
      session: upstream.session,
      parameters: parametersByName(upstream.session.parameterStatus),
      idleSince: Date.now(),
    };
  };

  const resetAndKeep = async (pool: ConnectionPool, backend: Backend, loginUser: string) => {
    const reset = createUpstreamReset(loginUser);
    try {
      const outcome = await exchange(
        backend.socket,
        backend.frames,
        reset.request(),
        (type, body, raw) => reset.handle(type, body, raw),
        EXCHANGE_TIMEOUT_MS,
      );
      for (const [name, frame] of parametersByName(outcome.parameterStatus))
        backend.parameters.set(name, frame);
      // Back at the role's or database's default: what the next session starts judging names with.
      if (backend.session.unreportedSearchPath !== undefined)
        backend.session = { ...backend.session, unreportedSearchPath: outcome.searchPath };
    } catch (error) {
      discard(pool, backend, error instanceof Error ? error.message : String(error));
      return;
    }
    if (isClosed) discard(pool, backend, "");
    else keepIdle(pool, backend);
  };

  return {
    acquire: async (request) => {
      const { connection } = request;
      const size = connection.poolSize ?? DEFAULT_POOL_SIZE;
      if (size === 0) return direct.acquire(request);
      const waitMs = connection.poolWaitMs ?? DEFAULT_POOL_WAIT_MS;
      const pool = poolFor(connection.connectionId);
      const key = poolKey(request);
      const deadline = Date.now() + waitMs;
      for (;;) {
        if (isClosed) return direct.acquire(request);
        const idle = takeIdle(pool, key);
        if (idle) {
          if (await isStillThere(idle)) return lend(pool, idle, connection);
          discard(pool, idle, "it did not answer after being idle");
          continue;
        }
        if (pool.open < size || evictOtherIdle(pool)) {
          pool.open += 1;
          try {
            return lend(pool, await openBackend(request, key), connection);
          } catch (error) {
            pool.open -= 1;
            wake(pool);
            throw error;
          }
        }
        await waitForTurn(pool, deadline, () => new UpstreamPoolExhausted(connection.name, size, waitMs));
      }
    },

    release: (upstream, state) => {
      const lease = leases.get(upstream);
      if (!lease) {
        direct.release(upstream, state);
        return;
      }
      if (lease.isReleased) return;
      lease.isReleased = true;
      const { pool, backend } = lease;
      const size = upstream.connection.poolSize ?? DEFAULT_POOL_SIZE;
      const socket = backend.socket;
      if (
        !state.isIdle ||
        lease.isCancelled ||
        isClosed ||
        pool.open > size ||
        socket.destroyed ||
        !socket.writable
      ) {
        // A cancel may still be on its way to this backend: it must never reach the next agent's statement.
        discard(pool, backend, "");
        return;
      }
      void resetAndKeep(pool, backend, upstream.connection.user);
    },

    cancel: async (upstream) => {
      const lease = leases.get(upstream);
      if (lease?.isReleased) return;
      if (lease) lease.isCancelled = true;
      await direct.cancel(upstream);
    },

    stats: (connectionId) => {
      const pool = pools.get(connectionId);
      return { open: pool?.open ?? 0, idle: pool?.idle.length ?? 0, waiting: pool?.waiters.length ?? 0 };
    },

    close: () => {
      isClosed = true;
      for (const pool of pools.values()) {
        for (const backend of pool.idle.splice(0)) discard(pool, backend, "");
        for (const waiter of pool.waiters.splice(0)) waiter();
      }
    },
  };
}

/** Resolves when the pool has news (a login came free or closed); rejects at the deadline. */
function waitForTurn(pool: ConnectionPool, deadline: number, exhausted: () => Error): Promise<void> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) return Promise.reject(exhausted());
  return new Promise((resolve, reject) => {
    const waiter = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      const index = pool.waiters.indexOf(waiter);
      if (index >= 0) pool.waiters.splice(index, 1);
      reject(exhausted());
    }, remaining);
    pool.waiters.push(waiter);
  });
}

function parametersByName(frames: readonly Buffer[]): Map<string, Buffer> {
  const byName = new Map<string, Buffer>();
  for (const frame of frames) {
    // Type byte, length, then the name: the frame is kept whole to send as it is.
    const nameEnd = frame.indexOf(0, 5);
    if (nameEnd > 5) byName.set(frame.toString("utf8", 5, nameEnd), frame);
  }
  return byName;
}
