import type { FactsCache } from "./facts-cache";
import type { StatementTouches } from "./gateway-verdict";
import type { ConnectionPolicy } from "./rules";
import { SessionDecider } from "./session-decider";
import { PolicySessionState } from "./session-state";
import { judgeStartupSettings } from "./startup-verdict";
import { createStartupVerdicts } from "./startup-verdicts";
import {
  ALLOW,
  type DecisionPoint,
  type Identity,
  type SessionDecisions,
  type StartupJudgement,
  type UpstreamAccess,
  type Verdict,
} from "./verdict";

/** Where the decision point reads policy: the gateway's live store, or a snapshot (the console's try box). */
export type PolicySource = {
  readonly version: number;
  get: (connectionId: string) => ConnectionPolicy | undefined;
  reload: () => Promise<void>;
};

export type PolicyDecisionOptions = {
  policies: PolicySource;
  facts: FactsCache;
  /** The upstream login of a connection, which `$user` in search_path stands for. */
  upstreamUser: (connectionId: string) => string;
  /** Where review verdicts go to wait for a human; absent, they are refused (fail closed). */
  reviews?: ReviewBroker;
  /** Longer statements are refused unparsed (54000); defaults to MAX_STATEMENT_BYTES. */
  maxStatementBytes?: number;
};

/** A statement a review rule matched, with everything a reviewer is shown and what runs on approval. */
export type ReviewRequest = {
  identity: Identity;
  sql: string;
  /** Whose lexer bounds the statement's literals when its row keeps it redacted; absent: PostgreSQL. */
  dialect?: "mysql";
  rule: string;
  reviewerGroups: readonly string[];
  /** The engine's words for why review is needed. */
  message: string;
  touches: StatementTouches;
  /** The verdict the statement gets once approved (its masking scope included). */
  onApproval: Extract<Verdict, { kind: "allow" }>;
  /**
   * For a statement whose text must not rest in clear (an HTTP call's body): what reviewers, audit
   * rows and webhooks see instead of `sql` (its sensitive values masked), the exact text sealed
   * with the deployment key, and the keyed hash that finds the same call again.
   */
  protectedText?: { shown: string; sealed: string; hash: string };
};

/** Turns a review verdict into allow (a grant covers it), deny (non-blocking, refused) or hold. */
export type ReviewBroker = { request: (request: ReviewRequest) => Promise<Verdict> };

/**
 * The decision point the gateway (and the console's try box) asks: one `SessionDecider` per session
 * (statement → facts, cached → the pure engine, with the session's state → masking scope). Review
 * verdicts go to the review broker; without one (the try box), they are refused: fail closed.
 */
export function createPolicyDecisionPoint(options: PolicyDecisionOptions): DecisionPoint {
  const startupVerdicts = createStartupVerdicts();
  return {
    openSession: (identity: Identity, upstream?: UpstreamAccess): SessionDecisions =>
      new SessionDecider(options, identity, upstream),
    judgeStartup: ({ connectionId, login, settings }: StartupJudgement): Verdict | Promise<Verdict> => {
      if (settings.length === 0) return ALLOW;
      const judge = (): Verdict => {
        const policy = options.policies.get(connectionId);
        if (!policy) return NO_POLICY_AT_CONNECT;
        return startupVerdicts(policy, options.policies.version, { login, settings }, () => {
          // The session as it starts: a startup search_path already counts where names may resolve.
          const session = new PolicySessionState(login);
          session.absorbStartupSettings(settings);
          return judgeStartupSettings(policy, settings, (sql) => options.facts.parse(sql), session);
        });
      };
      return options.policies.get(connectionId) ? judge() : options.policies.reload().then(judge);
    },
  };
}

const NO_POLICY_AT_CONNECT: Verdict = Object.freeze({
  kind: "deny",
  rule: "sluice:no-policy",
  message: "no policy is loaded for this connection, so its startup settings cannot be judged",
});
