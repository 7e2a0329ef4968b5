import type { ColumnCatalogAccess } from "@sluice/policy/column-catalog";
import type { RelationLookup } from "@sluice/policy/search-path";
import type { DecisionPoint, Identity, Verdict } from "@sluice/policy/verdict";
import type { ResultEvent } from "@sluice/recording/result-events";
import type { AuthenticatedClient } from "./connection-phases";
import type { AgentRecord, ConnectionRecord } from "./directory";
import { backendKeyData, readyForQuery } from "./protocol-bytes";
import { Relay } from "./relay";
import { ResultMasker, type SessionMasking } from "./result-masker";
import type { UpstreamSession } from "./upstream-login";

export type SessionInfo = {
  agent: AgentRecord;
  connection: ConnectionRecord;
  clientAddress: string;
  isTls: boolean;
};

/**
 * A login refused after the agent's password was checked whole (a workload token, a Sluice token
 * sent in clear): who it said it was and, for admins only, precisely why. The client got
 * `clientMessage`, which for a workload token reads the same whatever `reason` is.
 */
export type LoginRefusal = {
  path: "postgres" | "mysql";
  agentName: string;
  connectionName: string | null;
  clientAddress: string;
  isTls: boolean;
  clientMessage: string;
  reason: string;
};

export type SessionHooks = {
  /** Written off the login's path: a refusal is answered whether or not the store takes it. */
  onLoginRefused?: (refusal: LoginRefusal) => void;
  /** Called before the first statement can reach the upstream; returns the session's id. */
  onSessionStart: (info: SessionInfo) => Promise<string>;
  onSessionEnd: (sessionId: string, reason: string) => void;
  onVerdict?: (sessionId: string, sql: string, verdict: Verdict) => void;
  /** Every write of whole messages the relay sends the client, after masking (what a recording shows). */
  onClientBytes?: (sessionId: string, bytes: Buffer) => void;
  /** A front end that reads its own protocol's results (MySQL) reports them so, after masking. */
  onResultEvent?: (sessionId: string, event: ResultEvent) => void;
};

export type { SessionMasking };

export type MaskingService = {
  openSession: (identity: Identity, connection: ConnectionRecord) => Promise<SessionMasking | null>;
};

export type SessionStartDeps = {
  hooks: SessionHooks;
  decisions: DecisionPoint;
  /** Absent: results are relayed unmasked (tests of the bare relay). */
  masking?: MaskingService;
  /** Where relations live upstream, read with the connection's own login (absent: never asked). */
  lookupRelations?: (connection: ConnectionRecord) => RelationLookup;
  /** The upstream's relations and columns, for lineage and column rules (absent: names only, fail closed). */
  columnCatalog?: (connection: ConnectionRecord) => ColumnCatalogAccess;
};

export type SessionRelay = {
  relay: Relay;
  /** Null when no masking rule applies to this session: upstream messages pass as they are. */
  masker: ResultMasker | null;
};

/** Who the session's statements are judged for: the agent, its groups, the connection, the session. */
export function sessionIdentity(client: AuthenticatedClient, sessionId: string): Identity {
  const { agent, connection } = client;
  return {
    agentId: agent.agentId,
    agentName: agent.agentName,
    groups: agent.groups,
    connectionId: connection.connectionId,
    connectionName: connection.name,
    sessionId,
  };
}

/**
 * The session between a logged-in upstream and the first statement, once its row exists (the
 * onSessionStart hook's id): its masking (a session that cannot learn what to mask does not start)
 * and its relay, which has seen the upstream's ParameterStatus before judging anything.
 * @param sendNow where the relay writes what it must send outside a step (a held statement's answer)
 */
export async function openSessionRelay(
  client: AuthenticatedClient,
  upstream: UpstreamSession,
  sessionId: string,
  deps: SessionStartDeps,
  sendNow: (bytes: Buffer) => void,
): Promise<SessionRelay> {
  const { connection } = client;
  const identity = sessionIdentity(client, sessionId);
  const masking = (await deps.masking?.openSession(identity, connection)) ?? null;
  const lookupRelations = deps.lookupRelations?.(connection);
  const columns = deps.columnCatalog?.(connection);
  const decisions = deps.decisions.openSession(identity, {
    login: connection.user,
    startupSettings: client.startupSettings,
    ...(lookupRelations ? { lookupRelations } : {}),
    ...(columns ? { columns } : {}),
    ...(upstream.unreportedSearchPath !== undefined
      ? { unreportedSearchPath: upstream.unreportedSearchPath }
      : {}),
  });
  const relay = new Relay({
    decisions,
    onVerdict: (sql, verdict) => deps.hooks.onVerdict?.(sessionId, sql, verdict),
    sendNow,
  });
  relay.observeLoginParameters(upstream.parameterStatus);
  return { relay, masker: masking ? new ResultMasker(masking) : null };
}

/**
 * What the client gets once its session is ready: the upstream's ParameterStatus, the gateway's own
 * cancel key (upstream keys never reach clients), and the upstream's transaction status.
 */
export function sessionReadyBytes(
  upstream: UpstreamSession,
  key: { processId: number; secretKey: Buffer },
): Buffer {
  return Buffer.concat([
    ...upstream.parameterStatus,
    backendKeyData(key.processId, key.secretKey),
    readyForQuery(upstream.transactionStatus),
  ]);
}
