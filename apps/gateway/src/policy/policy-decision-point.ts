import { evaluate, type PolicyVerdict } from "@sluice/policy/engine";
import { PolicySessionState } from "@sluice/policy/session-state";
import type { DecisionPoint, Identity, SessionDecisions, Verdict } from "@sluice/policy/verdict";
import type { FactsCache } from "./facts-cache";
import type { PolicyStore } from "./policy-store";

export type PolicyDecisionOptions = {
  policies: PolicyStore;
  facts: FactsCache;
  /** The upstream login of a connection, which `$user` in search_path stands for. */
  upstreamUser: (connectionId: string) => string;
};

/**
 * The gateway's decision point: statement → facts (cached) → the pure engine, with per-session
 * state. Review verdicts are refused until the approvals issue can hold them: fail closed.
 */
export function createPolicyDecisionPoint(options: PolicyDecisionOptions): DecisionPoint {
  return {
    openSession(identity: Identity): SessionDecisions {
      const state = new PolicySessionState(options.upstreamUser(identity.connectionId));
      return {
        version: () => options.policies.version,
        decide: (statement) => {
          const policy = options.policies.get(identity.connectionId);
          if (!policy) return options.policies.reload().then(() => decideWith(statement.sql));
          return decideWith(statement.sql);
        },
      };

      function decideWith(sql: string): Verdict {
        const policy = options.policies.get(identity.connectionId);
        if (!policy) {
          return {
            kind: "deny",
            rule: "sluice:no-policy",
            message: `no policy is loaded for connection ${identity.connectionName}`,
          };
        }
        const parsed = options.facts.parse(sql);
        const verdict = toGatewayVerdict(evaluate(policy, parsed, state));
        if (verdict.kind === "allow") state.afterAllowed(parsed);
        return verdict;
      }
    },
  };
}

function toGatewayVerdict(verdict: PolicyVerdict): Verdict {
  switch (verdict.kind) {
    case "allow":
      return verdict;
    case "deny":
      return verdict.hint
        ? { kind: "deny", rule: verdict.rule, message: verdict.message, hint: verdict.hint }
        : { kind: "deny", rule: verdict.rule, message: verdict.message };
    case "review":
      return {
        kind: "deny",
        rule: verdict.rule,
        message: `${verdict.message}; this gateway cannot hold statements for approval yet, so it was refused`,
      };
  }
}
