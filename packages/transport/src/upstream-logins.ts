import type { Duplex } from "node:stream";
import { UpstreamLoginFailed } from "@sluice/session/connection-failures";
import type { ConnectionRecord } from "@sluice/session/directory";
import { cancelRequestBytes } from "@sluice/session/protocol-bytes";
import { createUpstreamLogin, type UpstreamSession } from "@sluice/session/upstream-login";
import { createSearchPathRead, reportsSearchPath } from "@sluice/session/upstream-search-path";
import { encodeTerminate } from "@sluice/wire/client-encoders";
import { createServerFrameBuffer, type FrameBuffer } from "@sluice/wire/frame-buffer";
import { decodeServerFrame } from "@sluice/wire/server-decoder";
import { exchange } from "./upstream-exchange";
import { connectUpstream } from "./upstream-socket";

/** How long the search_path read right after login may take. */
const SEARCH_PATH_READ_MS = 10_000;

export type UpstreamLoginRequest = {
  connection: ConnectionRecord;
  /** The client's validated startup parameters, forwarded (pinned settings are added and win). */
  startupParams: Record<string, string>;
};

/** A socket to the upstream, logged in as the connection's brokered user and ready for a query. */
export type AuthenticatedUpstream = {
  connection: ConnectionRecord;
  /** Paused: the caller attaches its reader, then resumes it. */
  socket: Duplex;
  /** Holds whatever the upstream sent after the login's ReadyForQuery: the relay reads it first. */
  frames: FrameBuffer;
  session: UpstreamSession;
};

/**
 * Where a client's session gets its upstream. The direct implementation logs in once per client;
 * a pool (issue 15) can implement the same contract by handing out a logged-in backend and taking
 * it back on release.
 */
export type UpstreamLogins = {
  /** @throws UpstreamLoginFailed when the upstream cannot be reached or refuses the login. */
  acquire: (request: UpstreamLoginRequest) => Promise<AuthenticatedUpstream>;
  /**
   * The session is over; the upstream is no longer the caller's (closed, or kept by a pool). The
   * caller must not touch the socket again, nor leave listeners of its own on it.
   */
  release: (upstream: AuthenticatedUpstream, state: ReleaseState) => void;
  /** Asks the upstream to cancel what this backend is running. Never throws. */
  cancel: (upstream: AuthenticatedUpstream) => Promise<void>;
  /** The gateway is stopping: logins kept for later are closed. */
  close?: () => void;
};

/** What the session knows of its upstream when it gives it back. */
export type ReleaseState = {
  /**
   * Nothing in flight: every message sent was answered up to a ReadyForQuery that reported no
   * transaction, and no partial message waits. Only such an upstream may be reset and reused.
   */
  isIdle: boolean;
};

export type DirectUpstreamLoginsOptions = {
  /** Opens the socket and negotiates TLS; tests pass an in-memory one. */
  connect?: (connection: ConnectionRecord) => Promise<{ socket: Duplex; isTls: boolean }>;
  log: (line: string) => void;
};

/** How long a released upstream may take to close after its Terminate before the socket goes. */
const TERMINATE_GRACE_MS = 1000;

/** One upstream login per client session, closed when the session ends. */
export function createDirectUpstreamLogins(options: DirectUpstreamLoginsOptions): UpstreamLogins {
  const connect = options.connect ?? connectUpstream;
  return {
    acquire: async ({ connection, startupParams }) => {
      const { socket, isTls } = await connect(connection);
      try {
        return await withSearchPath(await logInUpstream(socket, isTls, connection, startupParams));
      } catch (error) {
        socket.destroy();
        throw error;
      }
    },
    release: (upstream) => {
      // A Terminate first, so the server ends the backend quietly rather than logging a lost client.
      upstream.socket.end(encodeTerminate());
      setTimeout(() => upstream.socket.destroy(), TERMINATE_GRACE_MS).unref();
    },
    cancel: async (upstream) => {
      const { connection, session } = upstream;
      try {
        const { socket } = await connect(connection);
        socket.on("error", () => {});
        socket.end(cancelRequestBytes(session.processId, session.secretKey));
      } catch (error) {
        options.log(`cancel for connection "${connection.name}" failed: ${String(error)}`);
      }
    },
  };
}

/**
 * A server that does not report search_path (before PostgreSQL 18) is asked for it before the
 * session is handed out: its role's or database's default decides where unqualified names resolve,
 * and a path the gateway only assumed would let `secrets` dodge a rule on `hr.secrets`. A path that
 * cannot be read fails the login (fail closed).
 */
export async function withSearchPath(upstream: AuthenticatedUpstream): Promise<AuthenticatedUpstream> {
  if (reportsSearchPath(upstream.session.parameterStatus)) return upstream;
  const read = createSearchPathRead();
  const { connection } = upstream;
  try {
    const value = await exchange(
      upstream.socket,
      upstream.frames,
      read.request(),
      (type, body) => read.handle(type, body),
      SEARCH_PATH_READ_MS,
    );
    return { ...upstream, session: { ...upstream.session, unreportedSearchPath: value } };
  } catch (error) {
    throw new UpstreamLoginFailed(
      connection.name,
      "08006",
      `connection "${connection.name}": ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * Drives the login over `socket`: the protocol decisions are createUpstreamLogin's, this only moves
 * its bytes. The socket is paused at ReadyForQuery so nothing after it is lost before the relay reads.
 */
export function logInUpstream(
  socket: Duplex,
  isTls: boolean,
  connection: ConnectionRecord,
  startupParams: Record<string, string>,
): Promise<AuthenticatedUpstream> {
  const frames = createServerFrameBuffer();
  const login = createUpstreamLogin(
    {
      connectionName: connection.name,
      user: connection.user,
      database: connection.database,
      password: connection.password,
      params: startupParams,
    },
    isTls,
  );
  return new Promise<AuthenticatedUpstream>((resolve, reject) => {
    const settle = (outcome: () => void) => {
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("close", onClose);
      socket.off("end", onClose);
      outcome();
    };
    const onData = (chunk: Buffer) => {
      try {
        frames.push(chunk);
        for (let frame = frames.next(); frame; frame = frames.next()) {
          const step = login.handle(decodeServerFrame(frame), frame.raw);
          if (step.toUpstream.length > 0) socket.write(Buffer.concat(step.toUpstream));
          const session = step.done;
          if (session) {
            socket.pause();
            // Until the relay attaches its own: a reset now is seen when it resumes the socket.
            socket.on("error", () => {});
            settle(() => resolve({ connection, socket, frames, session }));
            return;
          }
        }
      } catch (error) {
        settle(() => reject(error));
      }
    };
    const onError = (error: Error) =>
      settle(() =>
        reject(
          new UpstreamLoginFailed(
            connection.name,
            "08006",
            `connection "${connection.name}": ${error.message}`,
          ),
        ),
      );
    const onClose = () =>
      settle(() =>
        reject(
          new UpstreamLoginFailed(
            connection.name,
            "08006",
            `connection "${connection.name}": the upstream closed during login`,
          ),
        ),
      );
    socket.on("data", onData);
    socket.once("error", onError);
    // The upstream's end of the stream is its end of the login: 'end' may come long before 'close'.
    socket.once("end", onClose);
    socket.once("close", onClose);
    socket.write(login.startup());
  });
}
