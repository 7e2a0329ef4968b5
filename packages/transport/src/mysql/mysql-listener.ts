import net from "node:net";
import type tls from "node:tls";
import type { StatementReading } from "@sluice/mysql-session/statement-reading";
import type { UpstreamCatalogAccess } from "@sluice/mysql-session/upstream-catalog";
import type { MaskingRuleDef } from "@sluice/policy/rules";
import type { DecisionPoint, Identity, Verdict } from "@sluice/policy/verdict";
import type { LoginLimits } from "@sluice/session/connection-phases";
import type { ConnectionRecord, Directory } from "@sluice/session/directory";
import type { SessionHooks } from "@sluice/session/session-start";
import type { LiveSession } from "../connection-deps";
import { serveMySqlClient } from "./mysql-client-connection";
import { MySqlSessionIds } from "./mysql-session-ids";

/** The MySQL listener's default port, beside PostgreSQL's 15432. */
export const DEFAULT_MYSQL_PORT = 13306;

export type MySqlListenerOptions = {
  port: number;
  host?: string;
  directory: Directory;
  decisions: DecisionPoint;
  /** The connection's masking rules as the policy holds them now. */
  maskingRules: (connectionId: string) => readonly MaskingRuleDef[];
  /**
   * May the owner's code an agent's write fires on this connection call the function (a safe
   * built-in, or one an ALLOW FUNCTION guardrail names)? Absent: the safe built-ins only.
   */
  isCallAllowed?: (connectionId: string, call: { schema: string | null; name: string }) => boolean;
  /** The connection's relations as the upstream lists them: masking trusts origins against it. */
  catalogFor: (connection: ConnectionRecord) => UpstreamCatalogAccess;
  /** Keyed-hash masking key. */
  hashKey: Buffer;
  /** The statement size limit and the parse threads large statements are read on (one for all sessions). */
  reading?: StatementReading;
  /** Without TLS every login is refused: the agent token would cross the network in clear. */
  tlsContext: tls.SecureContext | null;
  onVerdict?: (identity: Identity, sql: string, verdict: Verdict) => void;
  /** Failed-login limits, the same instance as the Postgres listener's (one budget per address). */
  loginLimits?: LoginLimits;
  /** Audit and recording: the session row exists before the first statement can run. */
  hooks?: SessionHooks;
  /**
   * The connection ids this process hands out and the sessions behind them (absent: a process of
   * its own, slot 0). A cluster worker passes its slot and the route to its siblings for KILL.
   */
  sessionIds?: MySqlSessionIds;
  log: (line: string) => void;
};

export type MySqlListener = {
  port: number;
  /** Sessions past login, for revocation (the same shape as the Postgres path's). */
  sessions: () => LiveSession[];
  close: () => Promise<void>;
};

/** Accepts MySQL/MariaDB clients (`mysql://AGENT:TOKEN@gateway:13306/CONNECTION`). */
export async function startMySqlListener(options: MySqlListenerOptions): Promise<MySqlListener> {
  const sockets = new Set<net.Socket>();
  const live = new Set<LiveSession>();
  const sessionIds = options.sessionIds ?? new MySqlSessionIds();
  const track = (session: LiveSession) => {
    live.add(session);
    return () => live.delete(session);
  };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    serveMySqlClient(socket, options, { track, sessionIds }, () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : options.port,
    sessions: () => [...live],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
