import { generateAgentToken } from "@sluice/secrets/agent-token";
import { createScramVerifier } from "@sluice/secrets/scram-verifier";
import { ConnectionPhases, type PhaseStep } from "@sluice/session/connection-phases";
import {
  type AgentRecord,
  type Directory,
  WORKLOAD_CREDENTIAL,
  type WorkloadIdentity,
} from "@sluice/session/directory";
import { testConnectionRecord } from "@sluice/session/testing";
import { encodePasswordMessage, encodeStartup } from "@sluice/wire/client-encoders";
import { type ClientMessage, decodeClientFrame } from "@sluice/wire/client-messages";
import { createClientFrameBuffer } from "@sluice/wire/frame-buffer";
import { AuthenticationCode } from "@sluice/wire/server-codes";
import { describe, expect, it } from "vitest";

const SALT = Buffer.alloc(16, 7);
const FIRST = generateAgentToken();
const SECOND = generateAgentToken();
const GOOD_JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib3QifQ.c2ln";

/** The token with its last character changed (a fixed replacement is the token itself 1 time in 64). */
const nearMiss = (token: string) => `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;

const WORKLOAD: WorkloadIdentity = {
  issuer: "https://idp.example",
  jwksUri: null,
  audience: "urn:sluice",
  subject: "bot",
  claims: {},
  groupsClaim: "groups",
};

/** Two live static tokens sharing one salt (as issue-agent-credential makes them) and a workload identity. */
const AGENT: AgentRecord = {
  agentId: "agent-1",
  agentName: "bot",
  credentialId: "cred-2",
  scramVerifier: createScramVerifier(SECOND, SALT, 4096),
  otherCredentials: [{ credentialId: "cred-1", scramVerifier: createScramVerifier(FIRST, SALT, 4096) }],
  groups: ["readers"],
  workload: WORKLOAD,
};

const CONNECTION = testConnectionRecord({
  host: "127.0.0.1",
  password: null,
  allowedGroups: ["analysts", "readers"],
});

function setUp(options: { address?: string; isTls?: boolean; withVerifier?: boolean } = {}) {
  const failures: string[] = [];
  const directory: Directory = {
    findAgent: async (name) => (name === AGENT.agentName ? AGENT : null),
    findConnection: async (name) => (name === CONNECTION.name ? CONNECTION : null),
    ...(options.withVerifier === false
      ? {}
      : {
          verifyWorkloadToken: async (token, workload) =>
            token === GOOD_JWT && workload === WORKLOAD
              ? {
                  ok: true as const,
                  subject: "bot",
                  groups: ["analysts"],
                  expiresAt: new Date(Date.now() + 60_000),
                }
              : { ok: false as const, reason: "signature does not verify" },
        }),
  };
  const logs: string[] = [];
  const phases = new ConnectionPhases({
    directory,
    limits: {
      retryAfterMs: () => 0,
      recordFailure: (address, agent) => failures.push(`${address}/${agent}`),
      recordSuccess: () => {},
    },
    clientAddress: options.address ?? "10.0.0.7",
    isTlsAvailable: true,
    log: (line) => logs.push(line),
  });
  if (options.isTls ?? true) phases.markTls();
  return { phases, failures, logs };
}

function decode(bytes: Buffer, isAfterStartup = false): ClientMessage {
  const frames = createClientFrameBuffer();
  if (isAfterStartup) frames.setMode("tagged");
  frames.push(bytes);
  const frame = frames.next();
  if (!frame) throw new Error("not one whole message");
  return decodeClientFrame(frame);
}

async function login(phases: ConnectionPhases, password: string): Promise<PhaseStep> {
  const begin = await phases.handle(decode(encodeStartup({ user: "bot", database: "shop" })), 0);
  const request = begin.toClient[0] as Buffer;
  expect(String.fromCharCode(request[0] as number)).toBe("R");
  expect(request.readInt32BE(5)).toBe(AuthenticationCode.CleartextPassword);
  return phases.handle(decode(encodePasswordMessage(password), true), 0);
}

describe("ConnectionPhases, an agent with a workload identity", () => {
  it("takes a workload token as the password over TLS, with the token's groups", async () => {
    const { phases } = setUp();
    const done = await login(phases, GOOD_JWT);
    if (done.next.kind !== "openSession") throw new Error(`expected a session, got ${done.next.kind}`);
    expect(done.next.client.agent).toMatchObject({
      credentialId: WORKLOAD_CREDENTIAL,
      groups: ["readers", "analysts"],
      tokenGroups: ["analysts"],
    });
  });

  it("checks a static token against every live credential on the cleartext path", async () => {
    for (const [token, credentialId] of [
      [FIRST, "cred-1"],
      [SECOND, "cred-2"],
    ] as const) {
      const done = await login(setUp().phases, token);
      if (done.next.kind !== "openSession") throw new Error(`expected a session, got ${done.next.kind}`);
      expect(done.next.client.agent.credentialId).toBe(credentialId);
    }
  });

  it("fails a bad token, a near-miss static token and an empty one as AuthenticationFailed, counted", async () => {
    for (const password of ["eyJhbGciOiJub25lIn0.eyJzdWIiOiJib3QifQ.", nearMiss(FIRST), ""]) {
      const { phases, failures, logs } = setUp();
      const done = await login(phases, password);
      expect(done.next).toMatchObject({ kind: "fail", error: { code: "28P01" } });
      expect(failures).toEqual(["10.0.0.7/bot"]);
      expect(logs.join("\n")).not.toContain(password || "\u0000");
    }
  });

  it("refuses to ask for the token in clear without TLS, except from this machine", async () => {
    const remote = await setUp({ isTls: false }).phases.handle(
      decode(encodeStartup({ user: "bot", database: "shop" })),
      0,
    );
    expect(remote).toMatchObject({ toClient: [], next: { kind: "fail", error: { code: "28000" } } });
    const local = await login(setUp({ isTls: false, address: "127.0.0.1" }).phases, GOOD_JWT);
    expect(local.next.kind).toBe("openSession");
  });

  it("refuses workload tokens where no verifier is configured", async () => {
    const done = await login(setUp({ withVerifier: false }).phases, GOOD_JWT);
    expect(done.next).toMatchObject({ kind: "fail", error: { code: "28P01" } });
  });
});
