import { randomBytes } from "node:crypto";
import { createPrisma, type PrismaClient } from "@sluice/db/prisma";
import { createAgent } from "@sluice/db/seed/create-agent";
import { createConnection } from "@sluice/db/seed/create-connection";
import { issueAgentCredential } from "@sluice/db/seed/issue-agent-credential";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestStore } from "../../../test/support";
import { createPrismaDirectory } from "../src/prisma-directory";

const HOUR_MS = 3_600_000;
const secretKey = randomBytes(32);
let store: Awaited<ReturnType<typeof createTestStore>>;
/** The directory's own client, which reports every statement it sends. */
let counted: PrismaClient;
let statements: string[] = [];

beforeAll(async () => {
  store = await createTestStore();
  counted = createPrisma(store.url, { onQuery: (sql) => statements.push(sql) });
});
afterAll(async () => {
  await counted?.$disconnect();
  await store?.drop();
});
beforeEach(() => {
  statements = [];
});

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

describe("the store-backed directory", () => {
  it("reads an agent, its groups and its live credentials newest first, in one round trip", async () => {
    const name = unique("agent");
    const { agent, credential: oldest } = await createAgent(store.prisma, {
      name,
      groups: ["g-one", "g-two"],
    });
    const revoked = await issueAgentCredential(store.prisma, agent.id);
    await store.prisma.agentCredential.update({
      where: { id: revoked.credential.id },
      data: { revokedAt: new Date() },
    });
    const expired = await issueAgentCredential(store.prisma, agent.id);
    await store.prisma.agentCredential.update({
      where: { id: expired.credential.id },
      data: { expiresAt: new Date(Date.now() - HOUR_MS) },
    });
    const newest = await issueAgentCredential(store.prisma, agent.id, new Date(Date.now() + HOUR_MS));
    statements = [];

    const found = await createPrismaDirectory(counted, secretKey).findAgent(name);

    expect(statements).toHaveLength(1);
    expect(found).toMatchObject({
      agentId: agent.id,
      agentName: name,
      credentialId: newest.credential.id,
      scramVerifier: newest.credential.scramVerifier,
      otherCredentials: [{ credentialId: oldest.id, scramVerifier: oldest.scramVerifier }],
      workload: null,
    });
    expect([...(found?.groups ?? [])].sort()).toEqual(["g-one", "g-two"]);
  });

  it("finds no agent that is unknown, disabled, or left with neither a live credential nor a workload identity", async () => {
    const directory = createPrismaDirectory(counted, secretKey);
    expect(await directory.findAgent(unique("nobody"))).toBeNull();

    const disabled = await createAgent(store.prisma, { name: unique("disabled"), groups: ["g-one"] });
    await store.prisma.agent.update({ where: { id: disabled.agent.id }, data: { isDisabled: true } });
    expect(await directory.findAgent(disabled.agent.name)).toBeNull();

    const revoked = await createAgent(store.prisma, { name: unique("revoked"), groups: ["g-one"] });
    await store.prisma.agentCredential.update({
      where: { id: revoked.credential.id },
      data: { revokedAt: new Date() },
    });
    expect(await directory.findAgent(revoked.agent.name)).toBeNull();
  });

  it("reads a workload identity mapping, with no static credential", async () => {
    const name = unique("workload");
    const { agent, credential } = await createAgent(store.prisma, { name, groups: ["g-one"] });
    await store.prisma.agentCredential.update({
      where: { id: credential.id },
      data: { revokedAt: new Date() },
    });
    await store.prisma.agent.update({
      where: { id: agent.id },
      data: {
        workloadIssuer: "https://issuer.example",
        workloadAudience: "sluice",
        workloadSubject: "repo:acme/app",
        workloadClaims: { ref: "refs/heads/main" },
      },
    });

    const found = await createPrismaDirectory(counted, secretKey).findAgent(name);

    expect(found).toMatchObject({
      credentialId: "",
      scramVerifier: null,
      workload: {
        issuer: "https://issuer.example",
        jwksUri: null,
        audience: "sluice",
        subject: "repo:acme/app",
        claims: { ref: "refs/heads/main" },
        groupsClaim: null,
      },
    });
  });

  it("reads a connection with its groups and recording cap in one round trip, only of its own type", async () => {
    const name = unique("conn");
    const created = await createConnection(store.prisma, {
      name,
      host: "db.internal",
      port: 5433,
      database: "shop",
      username: "app",
      password: "brokered secret",
      secretKey,
      tlsMode: "VERIFY_FULL",
      tlsServerName: "db.example",
      allowedGroups: ["g-one", "g-three"],
    });
    await store.prisma.connection.update({
      where: { id: created.id },
      data: { recordResultBytes: 4096, poolSize: 3, poolWaitSeconds: 2, requireClientTls: true },
    });
    statements = [];

    const found = await createPrismaDirectory(counted, secretKey).findConnection(name);

    expect(statements).toHaveLength(1);
    expect(found).toMatchObject({
      connectionId: created.id,
      name,
      host: "db.internal",
      port: 5433,
      database: "shop",
      user: "app",
      password: "brokered secret",
      tlsMode: "VERIFY_FULL",
      tlsCaPem: null,
      tlsServerName: "db.example",
      requireClientTls: true,
      poolSize: 3,
      poolWaitMs: 2000,
      recordResultBytes: 4096,
    });
    expect([...(found?.allowedGroups ?? [])].sort()).toEqual(["g-one", "g-three"]);
    expect(await createPrismaDirectory(counted, secretKey, "MYSQL").findConnection(name)).toBeNull();
    await store.prisma.connection.update({ where: { id: created.id }, data: { isDisabled: true } });
    expect(await createPrismaDirectory(counted, secretKey).findConnection(name)).toBeNull();
  });

  it("reads a login's agent and connection in one round trip, as the two lookups read them", async () => {
    const agentName = unique("agent");
    const { agent } = await createAgent(store.prisma, { name: agentName, groups: ["g-one"] });
    // A revoked and an expired token beside the live ones: the login must never see their verifiers.
    const revoked = await issueAgentCredential(store.prisma, agent.id);
    await store.prisma.agentCredential.update({
      where: { id: revoked.credential.id },
      data: { revokedAt: new Date() },
    });
    const expired = await issueAgentCredential(store.prisma, agent.id);
    await store.prisma.agentCredential.update({
      where: { id: expired.credential.id },
      data: { expiresAt: new Date(Date.now() - HOUR_MS) },
    });
    await issueAgentCredential(store.prisma, agent.id, new Date(Date.now() + HOUR_MS));
    const connectionName = unique("conn");
    await createConnection(store.prisma, {
      name: connectionName,
      host: "db.internal",
      port: 5433,
      database: "shop",
      username: "app",
      password: "brokered secret",
      secretKey,
      allowedGroups: ["g-one"],
    });
    const directory = createPrismaDirectory(counted, secretKey);
    const separately = {
      agent: await directory.findAgent(agentName),
      connection: await directory.findConnection(connectionName),
    };
    statements = [];

    const login = await directory.findLogin?.(agentName, connectionName);

    expect(statements).toHaveLength(1);
    expect(login).toEqual(separately);
    expect(login?.agent?.otherCredentials).toHaveLength(1);
    expect(login?.connection?.password).toBe("brokered secret");
    expect(await directory.findLogin?.(unique("nobody"), connectionName)).toEqual({
      agent: null,
      connection: separately.connection,
    });
    expect(await directory.findLogin?.(agentName, unique("nowhere"))).toEqual({
      agent: separately.agent,
      connection: null,
    });
    expect(
      await createPrismaDirectory(counted, secretKey, "MYSQL").findLogin?.(agentName, connectionName),
    ).toEqual({
      agent: separately.agent,
      connection: null,
    });
    await store.prisma.agent.update({ where: { id: agent.id }, data: { isDisabled: true } });
    expect((await directory.findLogin?.(agentName, connectionName))?.agent).toBeNull();
  });
});
