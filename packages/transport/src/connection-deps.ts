import type net from "node:net";
import type { Duplex } from "node:stream";
import type tls from "node:tls";
import type { DecisionPoint } from "@sluice/policy/verdict";
import type { ClientError } from "@sluice/session/client-error";
import type { LoginLimits } from "@sluice/session/connection-phases";
import type { Directory } from "@sluice/session/directory";
import type { SessionStartDeps } from "@sluice/session/session-start";
import type { CancelRegistry } from "./cancel-registry";
import type { UpstreamLogins } from "./upstream-logins";

/** What every client connection of a gateway shares: the directory, decisions, limits, TLS, hooks. */
export type ClientConnectionDeps = SessionStartDeps & {
  /**
   * Keys the fabricated SCRAM salts of unknown agents. Stable across restarts, so a name that
   * does not exist cannot be told apart by its salt changing.
   */
  mockSaltKey?: Buffer;
  directory: Directory;
  decisions: DecisionPoint;
  upstreams: UpstreamLogins;
  cancels: CancelRegistry;
  /** Null: TLS is off and SSLRequest is answered 'N'. */
  tlsContext: tls.SecureContext | null;
  loginLimits: LoginLimits;
  log: (line: string) => void;
  /** Lets the gateway end live sessions (revocation) with a FATAL. */
  track: (session: LiveSession) => () => void;
};

export type LiveSession = {
  sessionId: string;
  agentId: string;
  credentialId: string;
  /**
   * The groups the session was opened with (the agent's memberships, plus a workload token's):
   * they decide masking exemptions and reviews for its life, so a change of membership ends it.
   */
  loginGroups?: readonly string[];
  /** Groups a workload token granted (its groups claim); they keep access while the connection allows them. */
  tokenGroups?: readonly string[];
  /** A workload token's expiry: the session ends then (the revocation watcher ends it). */
  tokenExpiresAt?: Date;
  connectionId: string;
  terminate: (error: ClientError) => void;
};

/** A net.Socket, or (in tests) any duplex stream: address and Nagle are a socket's extras. */
export type ClientSocket = Duplex & Partial<Pick<net.Socket, "remoteAddress" | "setNoDelay">>;
