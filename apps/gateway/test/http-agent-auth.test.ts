import { generateAgentToken, tokenFingerprint } from "@sluice/secrets/agent-token";
import { createScramVerifier } from "@sluice/secrets/scram-verifier";
import type { AgentRecord } from "@sluice/session/directory";
import { RateLimiter } from "@sluice/session/rate-limiter";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AgentAuth } from "../src/http/agent-auth";
import type { HttpDirectory } from "../src/http/http-directory";
import { VERIFIED_TOKEN_MS } from "../src/http/http-limits";

// The HTTP listener keeps, per client socket, the Authorization header its last call was verified
// with: keep-alive calls skip parsing and hashing it. A revocation must reach that copy as it
// reaches the shared cache, or a socket would go on using a revoked token.

const TOKEN = generateAgentToken();
const OTHER_TOKEN = generateAgentToken();

/** One agent and its token, as the store gives them; `isRevoked` is the store's revocation. */
function store() {
  const agent: AgentRecord = {
    agentId: "agent-1",
    agentName: "reporting-bot",
    credentialId: "cred-1",
    scramVerifier: createScramVerifier(TOKEN, Buffer.alloc(16, 1), 4096),
    groups: ["analysts"],
  };
  const state = { isRevoked: false, lookups: 0 };
  const directory: HttpDirectory = {
    findAgent: async () => null,
    findAgentsByFingerprint: async (fingerprint) => {
      state.lookups += 1;
      return !state.isRevoked && fingerprint === tokenFingerprint(TOKEN) ? [agent] : [];
    },
    findAgentsByWorkloadIssuer: async () => [],
    findConnection: async () => null,
  };
  const auth = new AgentAuth(directory, new RateLimiter({ maxFailures: 30, windowMs: 60_000 }));
  return { auth, state };
}

const bearer = (token: string) => `Bearer ${token}`;

afterEach(() => {
  vi.useRealTimers();
});

describe("HTTP agent auth: a socket's last verification", () => {
  it("serves keep-alive calls with the same header without asking the store again", async () => {
    const { auth, state } = store();
    const socket = {};
    for (let call = 0; call < 3; call++) {
      const result = await auth.authenticate(bearer(TOKEN), "10.0.0.1", socket);
      expect(result.ok && result.agent.agentName).toBe("reporting-bot");
    }
    expect(state.lookups).toBe(1);
  });

  it("is dropped when the credential is forgotten: a revoked token is refused on the same socket", async () => {
    const { auth, state } = store();
    const socket = {};
    expect((await auth.authenticate(bearer(TOKEN), "10.0.0.1", socket)).ok).toBe(true);
    // The store revokes; until the watcher tells the listener, the verification stands (≤ 1 s).
    state.isRevoked = true;
    auth.forgetCredential("cred-1");
    const refused = await auth.authenticate(bearer(TOKEN), "10.0.0.1", socket);
    expect(refused).toMatchObject({ ok: false, status: 401 });
    expect(state.lookups).toBe(2);
    // Another socket that never called is refused too: the shared cache forgot it as well.
    expect(await auth.authenticate(bearer(TOKEN), "10.0.0.1", {})).toMatchObject({ ok: false, status: 401 });
  });

  it("checks another header sent on the same socket on its own", async () => {
    const { auth } = store();
    const socket = {};
    expect((await auth.authenticate(bearer(TOKEN), "10.0.0.1", socket)).ok).toBe(true);
    expect(await auth.authenticate(bearer(OTHER_TOKEN), "10.0.0.1", socket)).toMatchObject({
      ok: false,
      status: 401,
    });
    // A header one byte longer (same prefix) is not the kept one either.
    expect(await auth.authenticate(`${bearer(TOKEN)}x`, "10.0.0.1", socket)).toMatchObject({
      ok: false,
      status: 401,
    });
    expect((await auth.authenticate(bearer(TOKEN), "10.0.0.1", socket)).ok).toBe(true);
  });

  it("is not reused past the verification's lifetime", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { auth, state } = store();
    const socket = {};
    expect((await auth.authenticate(bearer(TOKEN), "10.0.0.1", socket)).ok).toBe(true);
    vi.setSystemTime(Date.now() + VERIFIED_TOKEN_MS + 1);
    state.isRevoked = true;
    expect(await auth.authenticate(bearer(TOKEN), "10.0.0.1", socket)).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it("still answers 429 to an address over its failure limit", async () => {
    const { auth } = store();
    const socket = {};
    expect((await auth.authenticate(bearer(TOKEN), "10.0.0.2", socket)).ok).toBe(true);
    for (let i = 0; i < 30; i++) await auth.authenticate(bearer(OTHER_TOKEN), "10.0.0.2");
    expect(await auth.authenticate(bearer(TOKEN), "10.0.0.2", socket)).toMatchObject({
      ok: false,
      status: 429,
    });
  });
});
