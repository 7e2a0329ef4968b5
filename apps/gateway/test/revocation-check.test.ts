import { WORKLOAD_CREDENTIAL } from "@sluice/session/directory";
import { describe, expect, it } from "vitest";
import {
  ACCESS_REVOKED,
  findRevoked,
  GROUPS_CHANGED,
  type StillAllowed,
  TOKEN_EXPIRED,
} from "../src/revocation-check";

const NOW = Date.parse("2026-01-01T12:00:00Z");

/** The store still allows everything: only the token's own expiry can end the session. */
const ALLOWED: StillAllowed = {
  credentialIds: new Set(["cred-1"]),
  workloadAgentIds: new Set(["agent-1"]),
  agentOnConnection: new Set(),
  connectionGroups: new Map([["conn-1", new Set(["analysts"])]]),
};

const workloadSession = (expiresAt: number) => ({
  agentId: "agent-1",
  credentialId: WORKLOAD_CREDENTIAL,
  connectionId: "conn-1",
  tokenGroups: ["analysts"],
  tokenExpiresAt: new Date(expiresAt),
});

describe("findRevoked and workload token expiry", () => {
  it("keeps a workload session until its token's exp, and ends it from that moment", () => {
    expect(findRevoked([workloadSession(NOW + 1)], ALLOWED, NOW)).toEqual([]);
    for (const expiresAt of [NOW, NOW - 60_000]) {
      const session = workloadSession(expiresAt);
      expect(findRevoked([session], ALLOWED, NOW)).toEqual([{ session, reason: TOKEN_EXPIRED }]);
    }
  });

  it("keeps access that comes only from the token's groups, and ends it when the connection drops them", () => {
    const session = workloadSession(NOW + 60_000);
    expect(findRevoked([session], ALLOWED, NOW)).toEqual([]);
    const narrowed = { ...ALLOWED, connectionGroups: new Map([["conn-1", new Set(["admins"])]]) };
    expect(findRevoked([session], narrowed, NOW)).toEqual([{ session, reason: ACCESS_REVOKED }]);
  });

  it("never ends a static-token session for want of an expiry", () => {
    const session = { agentId: "agent-1", credentialId: "cred-1", connectionId: "conn-1" };
    expect(
      findRevoked([session], { ...ALLOWED, agentOnConnection: new Set(["conn-1 agent-1"]) }, NOW),
    ).toEqual([]);
  });
});

describe("findRevoked and the agent's groups (masking exemptions are captured at login)", () => {
  const onConnection = { ...ALLOWED, agentOnConnection: new Set(["conn-1 agent-1"]) };
  const opened = {
    agentId: "agent-1",
    credentialId: "cred-1",
    connectionId: "conn-1",
    loginGroups: ["analysts", "pii-exempt"],
  };
  const withGroups = (...groups: string[]) => ({
    ...onConnection,
    agentGroups: new Map([["agent-1", new Set(groups)]]),
  });

  it("keeps a session whose agent is in the groups it was opened with", () => {
    expect(findRevoked([opened], withGroups("pii-exempt", "analysts"), NOW)).toEqual([]);
  });

  it("ends it when the agent leaves a group that still leaves it access, or joins one", () => {
    expect(findRevoked([opened], withGroups("analysts"), NOW)).toEqual([
      { session: opened, reason: GROUPS_CHANGED },
    ]);
    expect(findRevoked([opened], withGroups("analysts", "pii-exempt", "admins"), NOW)).toEqual([
      { session: opened, reason: GROUPS_CHANGED },
    ]);
    const inNone = { ...onConnection, agentGroups: new Map() };
    expect(findRevoked([opened], inNone, NOW)).toEqual([{ session: opened, reason: GROUPS_CHANGED }]);
  });

  it("counts a workload token's groups as the session's, whatever the store's memberships", () => {
    const session = { ...workloadSession(NOW + 60_000), loginGroups: ["analysts", "pii-exempt"] };
    const tokenGrants = { ...ALLOWED, agentGroups: new Map([["agent-1", new Set(["pii-exempt"])]]) };
    expect(findRevoked([session], tokenGrants, NOW)).toEqual([]);
    expect(findRevoked([session], { ...tokenGrants, agentGroups: new Map() }, NOW)).toEqual([
      { session, reason: GROUPS_CHANGED },
    ]);
  });
});
