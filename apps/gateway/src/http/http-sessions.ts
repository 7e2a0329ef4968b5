import type { Socket } from "node:net";
import type { Verdict } from "@sluice/policy/verdict";
import type { SessionRecorder } from "@sluice/recording/session-recorder";
import type { AgentRecord } from "@sluice/session/directory";
import type { SessionHooks } from "@sluice/session/session-start";
import type { HttpConnectionRecord } from "./http-directory";

/** Where HTTP sessions are written: the SQL path's session rows and audit, and its recordings. */
export type HttpSessionSinks = {
  audit: SessionHooks;
  recordings: {
    start: (sessionId: string, info: Parameters<SessionHooks["onSessionStart"]>[0]) => Promise<void>;
    recorderOf: (sessionId: string) => SessionRecorder | undefined;
    end: (sessionId: string, reason: string) => Promise<void>;
    /** The kept-chunk bound (RecordingWriter.isAtKeptBound): past it no call may be recorded. */
    isAtKeptBound: () => boolean;
  };
};

/** One agent's calls to one connection over one client socket: what a session is on the HTTP path. */
export type HttpSession = {
  sessionId: string;
  /** The recording of this session (absent when the writer has already ended it). */
  recorder: () => SessionRecorder | undefined;
  /** The verdict, for the session's counters and audit (a denial becomes an audit event). */
  verdict: (call: string, verdict: Verdict) => void;
};

/**
 * Maps keep-alive sockets to sessions, so an HTTP agent's calls are recorded and audited in the same
 * session model as a Postgres session: the row is written before the first call reaches the upstream
 * (audit first), and the session ends when the socket closes. One socket may carry calls of several
 * agents or connections (each request brings its own token): each pair gets its own session.
 */
export class HttpSessions {
  private readonly bySocket = new WeakMap<Socket, Map<string, Promise<HttpSession>>>();

  constructor(private readonly sinks: HttpSessionSinks) {}

  open(options: {
    socket: Socket;
    agent: AgentRecord;
    connection: HttpConnectionRecord;
    isTls: boolean;
  }): Promise<HttpSession> {
    const { socket, agent, connection } = options;
    let sessions = this.bySocket.get(socket);
    if (!sessions) {
      const opened = new Map<string, Promise<HttpSession>>();
      sessions = opened;
      this.bySocket.set(socket, opened);
      socket.once("close", () => {
        for (const session of opened.values())
          void session.then(
            (live) => this.end(live.sessionId, "the agent closed the connection"),
            () => {},
          );
        opened.clear();
      });
    }
    const key = `${agent.agentId} ${agent.credentialId} ${connection.connectionId}`;
    let session = sessions.get(key);
    if (!session) {
      session = this.start(options);
      // A session that could not be written is not reused: the next call tries again (and fails closed).
      session.catch(() => sessions.delete(key));
      sessions.set(key, session);
    }
    return session;
  }

  private async start(options: {
    socket: Socket;
    agent: AgentRecord;
    connection: HttpConnectionRecord;
    isTls: boolean;
  }): Promise<HttpSession> {
    const { connection } = options;
    const info = {
      agent: options.agent,
      connection: {
        connectionId: connection.connectionId,
        name: connection.name,
        host: connection.host,
        port: connection.port,
        database: connection.basePath,
        user: "",
        password: null,
        tlsMode: connection.tlsMode,
        tlsCaPem: connection.tlsCaPem,
        tlsServerName: connection.tlsServerName,
        requireClientTls: connection.requireClientTls,
        allowedGroups: connection.allowedGroups,
        // Given, so the recording does not read it from the store while the call waits (audit first).
        recordResultBytes: connection.recordResultBytes,
      },
      clientAddress: options.socket.remoteAddress ?? "unknown",
      isTls: options.isTls,
    };
    const sessionId = await this.sinks.audit.onSessionStart(info);
    await this.sinks.recordings.start(sessionId, info);
    return {
      sessionId,
      recorder: () => this.sinks.recordings.recorderOf(sessionId),
      verdict: (call, verdict) => this.sinks.audit.onVerdict?.(sessionId, call, verdict),
    };
  }

  private end(sessionId: string, reason: string): void {
    void this.sinks.recordings.end(sessionId, reason);
    this.sinks.audit.onSessionEnd(sessionId, reason);
  }
}
