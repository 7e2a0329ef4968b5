import { encodeEvents, type RecordingEvent } from "@sluice/recording/events";
import { chunkHash, GENESIS_HASH } from "@sluice/recording/hash-chain";
import { deriveKey, RECORDING_CHAIN_PURPOSE } from "@sluice/secrets/derive-key";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery, createTestDatabase } from "../../../test/support";
import { listAuditEvents } from "../src/activity";
import type { AdminContext } from "../src/actor";
import { issueCredential } from "../src/agent-credentials";
import { authenticateApiToken, createApiToken, revokeApiToken } from "../src/api-tokens";
import { saveGuardrail } from "../src/guardrail-rules";
import { saveMaskingRule } from "../src/masking-rules";
import { previewMasking } from "../src/preview-masking";
import { deleteRecording, exportRecording, getRecording } from "../src/recordings";
import { saveAgent } from "../src/save-agent";
import { saveConnection } from "../src/save-connection";
import { testConnection } from "../src/test-connection";
import { tryStatement } from "../src/try-statement";
import { recordSignIn } from "../src/users";
import { type AdminStore, createAdminStore, refusal } from "./support/admin-store";

const KEY = Buffer.alloc(32, 9);
const dump = (value: unknown) =>
  JSON.stringify(value, (_key, field: unknown) => (typeof field === "bigint" ? field.toString() : field));

describe("admin operations against a real store", () => {
  let store: AdminStore;
  let upstream: { url: string; drop: () => Promise<void> };
  let admin: AdminContext;
  let reviewer: AdminContext;
  let auditor: AdminContext;
  let upstreamLogin: { host: string; port: number; user: string; password: string; database: string };

  beforeAll(async () => {
    store = await createAdminStore({
      roles: [
        { idpGroup: "admins", role: "ADMIN" },
        { idpGroup: "reviewers", role: "REVIEWER" },
        { idpGroup: "auditors", role: "AUDITOR" },
      ],
      secretKey: KEY,
    });
    upstream = await createTestDatabase("upstream");
    await adminQuery(
      upstream.url,
      "CREATE TABLE customers (id int PRIMARY KEY, email text, ssn text, city text)",
    );
    const url = new URL(upstream.url);
    upstreamLogin = {
      host: url.hostname,
      port: Number(url.port),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: url.pathname.slice(1),
    };
    admin = await store.contextFor("ada@example.test", ["admins"]);
    reviewer = await store.contextFor("rey@example.test", ["reviewers"]);
    auditor = await store.contextFor("aud@example.test", ["auditors"]);
  });
  afterAll(async () => {
    await store.drop();
    await upstream.drop();
  });

  const connectionInput = (overrides: Record<string, unknown> = {}) => ({
    name: "shop",
    host: upstreamLogin.host,
    port: upstreamLogin.port,
    database: upstreamLogin.database,
    username: upstreamLogin.user,
    password: upstreamLogin.password,
    tlsMode: "DISABLE",
    allowedGroups: ["analysts"],
    ...overrides,
  });

  it("derives roles from groups at sign-in and refuses people no group maps", async () => {
    expect(admin.actor.roles).toEqual(["ADMIN"]);
    expect(
      await recordSignIn(store.prisma, {
        issuer: "https://idp.test",
        subject: "x",
        email: "x@example.test",
        groups: ["finance"],
      }),
    ).toBeNull();
    const refused = await store.prisma.auditEvent.findFirst({ where: { action: "user.sign_in_refused" } });
    expect(refused?.actorName).toBe("x@example.test");
  });

  it("encrypts the brokered password, never returns it, and audits before/after without it", async () => {
    const saved = await saveConnection(admin, { input: connectionInput() });
    expect(saved).not.toHaveProperty("passwordCipher");
    expect(saved.hasPassword).toBe(true);
    const row = await store.prisma.connection.findUniqueOrThrow({ where: { id: saved.id } });
    expect(row.passwordCipher).toMatch(/^v1:/);
    expect(row.passwordCipher).not.toContain(upstreamLogin.password);

    const moved = await refusal(
      saveConnection(admin, {
        id: saved.id,
        input: connectionInput({ password: "", host: "attacker.example" }),
      }),
      "invalid",
    );
    expect(moved.fields).toHaveProperty("password");
    const updated = await saveConnection(admin, {
      id: saved.id,
      input: connectionInput({ password: "", isReadOnly: true }),
    });
    expect(updated.isReadOnly).toBe(true);
    const after = await store.prisma.connection.findUniqueOrThrow({ where: { id: saved.id } });
    expect(after.passwordCipher).toBe(row.passwordCipher);

    const events = await store.prisma.auditEvent.findMany({
      where: { targetId: saved.id },
      orderBy: { id: "asc" },
    });
    expect(events.map((event) => event.action)).toEqual(["connection.create", "connection.update"]);
    expect(events[1]?.before).toMatchObject({ isReadOnly: false });
    expect(events[1]?.after).toMatchObject({ isReadOnly: true });
    expect(dump(events)).not.toContain(upstreamLogin.password);
    expect(dump(events)).not.toContain(row.passwordCipher);
  });

  it("names the fields that are wrong", async () => {
    const error = await refusal(
      saveConnection(admin, { input: connectionInput({ name: "bad name", port: 70000, host: "" }) }),
      "invalid",
    );
    expect(Object.keys(error.fields).sort()).toEqual(["host", "name", "port"]);
    const guardrail = await refusal(
      saveGuardrail(admin, { input: { name: "t", kind: "TABLE", match: { tables: [] } } }),
      "invalid",
    );
    expect(guardrail.fields).toHaveProperty(["match.tables"]);
    const duplicate = await refusal(saveConnection(admin, { input: connectionInput() }), "conflict");
    expect(duplicate.fields).toEqual({ name: "already in use" });
  });

  it("lets only admins change policy, only admins and auditors read the audit log", async () => {
    await refusal(saveConnection(reviewer, { input: connectionInput({ name: "other" }) }), "forbidden");
    await refusal(saveGuardrail(auditor, { input: { name: "g", kind: "MULTI_STATEMENT" } }), "forbidden");
    await refusal(listAuditEvents(reviewer, { query: {} }), "forbidden");
    const page = await listAuditEvents(auditor, { query: {} });
    expect(page.events.length).toBeGreaterThan(0);
  });

  it("tests a connection with its brokered credentials and reports a bad password plainly", async () => {
    const connection = await store.prisma.connection.findUniqueOrThrow({ where: { name: "shop" } });
    const good = await testConnection(admin, { id: connection.id });
    expect(good).toMatchObject({ ok: true, user: upstreamLogin.user, database: upstreamLogin.database });

    const bad = await saveConnection(admin, {
      input: connectionInput({ name: "shop-bad", password: "wrong" }),
    });
    const result = await testConnection(admin, { id: bad.id });
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.error).toMatch(/password authentication failed/);
  });

  it("issues a token once, keeps only its verifier, and rotation revokes the others", async () => {
    const agent = await saveAgent(admin, { input: { name: "bot", groups: ["analysts"] } });
    const first = await issueCredential(admin, { agentId: agent.id, input: {} });
    expect(first.token).toMatch(/^sk_/);
    expect(first.connections).toEqual(["shop", "shop-bad"]);
    const second = await issueCredential(admin, { agentId: agent.id, input: { rotate: true } });
    const credentials = await store.prisma.agentCredential.findMany({
      where: { agentId: agent.id },
      orderBy: { createdAt: "asc" },
    });
    expect(credentials.map((credential) => Boolean(credential.revokedAt))).toEqual([true, false]);
    expect(dump(credentials)).not.toContain(first.token);
    expect(dump(await store.prisma.auditEvent.findMany())).not.toContain(second.token);
  });

  it("lists audit events with their targets by name and their changes field by field, filtered", async () => {
    const created = await saveConnection(admin, { input: connectionInput({ name: "audited-shop" }) });
    await saveConnection(admin, {
      id: created.id,
      input: connectionInput({ name: "audited-shop", isReadOnly: true }),
    });
    const page = await listAuditEvents(auditor, {
      query: { targetType: "connection", actor: "ADA@EXAMPLE" },
    });
    const update = page.events.find(
      (event) =>
        event.target?.name === "audited-shop" && event.changes.some((change) => change.path === "isReadOnly"),
    );
    expect(update?.target).toEqual({ name: "audited-shop", href: "/connections" });
    expect(update?.changes).toContainEqual({ path: "isReadOnly", before: false, after: true });
    expect(page.events.every((event) => event.targetType === "connection")).toBe(true);
    const nobody = await listAuditEvents(auditor, { query: { actor: "no-such-person" } });
    expect(nobody.events).toEqual([]);
  });

  it("rotates with a grace window: old tokens expire at its end instead of at once", async () => {
    const agent = await saveAgent(admin, { input: { name: "bot-graceful", groups: ["analysts"] } });
    await issueCredential(admin, { agentId: agent.id, input: {} });
    const before = Date.now();
    const rotated = await issueCredential(admin, {
      agentId: agent.id,
      input: { rotate: true, graceMinutes: 30 },
    });
    const others = await store.prisma.agentCredential.findMany({
      where: { agentId: agent.id, id: { not: rotated.credential.id }, revokedAt: null },
    });
    expect(others.length).toBeGreaterThan(0);
    for (const credential of others) {
      const end = credential.expiresAt?.getTime() ?? 0;
      expect(end).toBeGreaterThanOrEqual(before + 30 * 60_000);
      expect(end).toBeLessThanOrEqual(Date.now() + 30 * 60_000);
    }
    const fresh = await store.prisma.agentCredential.findUniqueOrThrow({
      where: { id: rotated.credential.id },
    });
    expect(fresh.expiresAt).toBeNull();
    await expect(
      issueCredential(admin, { agentId: agent.id, input: { rotate: true, graceMinutes: -1 } }),
    ).rejects.toMatchObject({ fields: { graceMinutes: expect.any(String) } });
  });

  it("judges a statement with the gateway's decision point, naming the rule", async () => {
    const connection = await store.prisma.connection.findUniqueOrThrow({ where: { name: "shop" } });
    await saveGuardrail(admin, {
      input: {
        name: "no-unscoped-delete",
        connectionId: connection.id,
        kind: "MISSING_WHERE",
        match: { kinds: ["DELETE"] },
      },
    });
    const denied = await tryStatement(admin, {
      input: { connectionId: connection.id, statement: "delete from customers" },
    });
    expect(denied.verdict).toMatchObject({ kind: "deny", rule: "no-unscoped-delete" });
    expect(denied.verdict.kind === "deny" && denied.verdict.message).toContain("blocked by guardrail");
    const allowed = await tryStatement(admin, {
      input: { connectionId: connection.id, statement: "select city from customers" },
    });
    expect(allowed.verdict).toEqual({ kind: "allow", maskedTables: [] });
    const unparsable = await tryStatement(admin, {
      input: { connectionId: connection.id, statement: "selec 1" },
    });
    expect(unparsable.verdict).toMatchObject({ kind: "deny", rule: "sluice:parse-error" });
  });

  it("previews masking from the upstream's catalog, exemptions included", async () => {
    const connection = await store.prisma.connection.findUniqueOrThrow({ where: { name: "shop" } });
    await saveMaskingRule(admin, {
      input: {
        name: "ssn",
        connectionId: connection.id,
        columnSelector: "public.customers.ssn",
        strategy: "PARTIAL",
        keepLast: 4,
      },
    });
    await saveMaskingRule(admin, {
      input: { name: "email", columnSelector: "*.*.email", strategy: "HASH", exemptGroups: ["support"] },
    });
    const preview = await previewMasking(admin, {
      input: { connectionId: connection.id, table: "public.customers" },
    });
    expect(preview.tables).toContain("public.customers");
    const byColumn = Object.fromEntries(preview.columns.map((column) => [column.column, column]));
    expect(byColumn.id?.masked).toBe(false);
    expect(byColumn.ssn).toMatchObject({ masked: true, rule: "ssn", strategy: "PARTIAL" });
    expect(byColumn.email).toMatchObject({ masked: true, rule: "email", clearFor: ["support"] });
    const masked = await tryStatement(admin, {
      input: { connectionId: connection.id, statement: "select * from customers" },
    });
    expect(masked.verdict.kind).toBe("allow");
    expect(masked.verdict.kind === "allow" && masked.verdict.maskedTables).toContain("public.customers");
  });

  it("bumps the policy version with every policy change", async () => {
    const before = (await store.prisma.policyState.findUniqueOrThrow({ where: { id: 1 } })).version;
    await saveAgent(admin, { input: { name: "bot-2" } });
    const after = (await store.prisma.policyState.findUniqueOrThrow({ where: { id: 1 } })).version;
    expect(after).toBe(before + 1);
  });

  it("serves a recording with its chain verified, reports tampering, and audits views and exports", async () => {
    const agent = await store.prisma.agent.findUniqueOrThrow({ where: { name: "bot" } });
    const connection = await store.prisma.connection.findUniqueOrThrow({ where: { name: "shop" } });
    const session = await store.prisma.gatewaySession.create({
      data: { agentId: agent.id, connectionId: connection.id, gatewayId: "test", clientAddress: "127.0.0.1" },
    });
    const batches = [
      [
        {
          t: 0,
          type: "connect",
          agent: "bot",
          groups: [],
          connection: "shop",
          clientAddress: "127.0.0.1",
          isTls: false,
        },
      ],
      [{ t: 5, type: "statement", n: 1, sql: "SELECT 1" }],
      [{ t: 9, type: "end", reason: "client terminated the session" }],
    ] as const;
    let prevHash = GENESIS_HASH;
    for (const [seq, events] of batches.entries()) {
      const payload = encodeEvents(events as unknown as RecordingEvent[]);
      const hash = chunkHash(prevHash, seq, payload, deriveKey(KEY, RECORDING_CHAIN_PURPOSE));
      await store.prisma.recordingChunk.create({
        data: {
          sessionId: session.id,
          seq,
          payload: new Uint8Array(payload),
          eventCount: events.length,
          prevHash,
          hash,
        },
      });
      prevHash = hash;
    }
    await refusal(getRecording(reviewer, { sessionId: session.id, query: {} }), "forbidden");
    const recording = await getRecording(auditor, { sessionId: session.id, query: {} });
    expect(recording.verification).toEqual({ isVerified: true, chunks: 3 });
    expect(recording.events.map((event) => event.type)).toEqual(["connect", "statement", "end"]);
    const live = await getRecording(auditor, { sessionId: session.id, query: { after: "1" } });
    expect(live.events.map((event) => event.type)).toEqual(["end"]);

    const cast = await exportRecording(auditor, { sessionId: session.id, query: { format: "asciicast" } });
    expect(cast.body.split("\n")[0]).toContain('"version":2');
    const audits = await store.prisma.auditEvent.findMany({
      where: { targetId: session.id },
      orderBy: { id: "asc" },
    });
    expect(audits.map((event) => event.action)).toEqual([
      "session.recording_viewed",
      "session.recording_exported",
    ]);

    // The session row anchors the end: losing the last chunk no longer verifies.
    await store.prisma.gatewaySession.update({
      where: { id: session.id },
      data: { recordingChunks: 3, recordingHash: prevHash },
    });
    expect((await getRecording(auditor, { sessionId: session.id, query: {} })).verification.isVerified).toBe(
      true,
    );
    const last = await store.prisma.recordingChunk.delete({
      where: { sessionId_seq: { sessionId: session.id, seq: 2 } },
    });
    const truncated = await getRecording(auditor, { sessionId: session.id, query: {} });
    expect(truncated.verification).toMatchObject({ isVerified: false, brokenAt: 2 });
    await store.prisma.recordingChunk.create({ data: last });

    await store.prisma.recordingChunk.update({
      where: { sessionId_seq: { sessionId: session.id, seq: 1 } },
      data: { payload: new Uint8Array(encodeEvents([{ t: 5, type: "statement", n: 1, sql: "SELECT 2" }])) },
    });
    const tampered = await getRecording(auditor, { sessionId: session.id, query: {} });
    expect(tampered.verification).toMatchObject({
      isVerified: false,
      brokenAt: 1,
      reason: "chunk 1 was modified",
    });

    await refusal(deleteRecording(auditor, { sessionId: session.id }), "forbidden");
    await deleteRecording(admin, { sessionId: session.id });
    expect(await store.prisma.recordingChunk.count({ where: { sessionId: session.id } })).toBe(0);
    expect(
      await store.prisma.auditEvent.count({
        where: { targetId: session.id, action: "session.recording_deleted" },
      }),
    ).toBe(1);
  });

  it("API tokens act with one role of their owner, and stop when revoked", async () => {
    await refusal(createApiToken(admin, { input: { name: "ci", role: "AUDITOR" } }), "invalid");
    const created = await createApiToken(admin, { input: { name: "ci", role: "ADMIN" } });
    const actor = await authenticateApiToken(store.prisma, created.token);
    expect(actor).toMatchObject({ kind: "API_TOKEN", roles: ["ADMIN"] });
    expect(await authenticateApiToken(store.prisma, `${created.token}x`)).toBeNull();
    const row = await store.prisma.apiToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.tokenHash).not.toContain(created.token);
    await revokeApiToken(admin, { id: created.id });
    expect(await authenticateApiToken(store.prisma, created.token)).toBeNull();
  });
});
