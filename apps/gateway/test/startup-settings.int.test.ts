import { randomBytes } from "node:crypto";
import type { AdminContext } from "@sluice/admin/actor";
import { AdminError } from "@sluice/admin/admin-error";
import { actorForUser } from "@sluice/admin/api-tokens";
import { saveGuardrail } from "@sluice/admin/guardrail-rules";
import type { UpstreamPool } from "@sluice/transport/upstream-pool";
import pg from "pg";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../../../test/until";
import { type Harness, startHarness } from "./support/gateway-harness";
import { run } from "./support/run";

/**
 * Settings a driver gives at connect beyond the built-in ones pass only where an admin allowed
 * them with an ALLOW SETTING rule (saved through the admin API's operation, as the console and
 * `/api/v1` save it), judged before the upstream login; what passes reaches the server, and pooled
 * backends are never shared between sessions that started with different settings.
 */

let harness: Harness;
let admin: AdminContext;
/** A connection of its own per describe, so its pool and rules are only this file's. */
let connection: { id: string; name: string };

async function allowSetting(name: string, match: { settings: string[]; values?: string[] }) {
  await saveGuardrail(admin, {
    input: { name, connectionId: connection.id, kind: "SETTING", effect: "ALLOW", match },
  });
  await harness.gateway.policies.reload();
}

beforeAll(async () => {
  harness = await startHarness({ isTlsEnabled: false });
  const user = await harness.prisma.user.create({
    data: { issuer: "https://idp.test", subject: "ada", email: "ada@example.test", roles: ["ADMIN"] },
  });
  const actor = await actorForUser(harness.prisma, user.id);
  if (!actor) throw new Error("no actor");
  admin = { db: harness.prisma, actor, secretKey: harness.secretKey };
  const twin = await harness.addTwinConnection(`settings_${randomBytes(3).toString("hex")}`);
  connection = { id: twin.id, name: twin.name };
  await allowSetting("isolation-levels", {
    settings: ["default_transaction_isolation"],
    values: ["read committed", "serializable"],
  });
  await allowSetting("tenant", { settings: ["app.tenant"], values: ["tenant_*"] });
});
afterAll(() => harness?.stop());

const url = () => harness.urlFor(harness.agent.name, harness.token, connection.name);

async function connect(config: pg.ClientConfig = {}): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url(), ...config });
  client.on("error", () => {});
  await client.connect();
  return client;
}

async function refusal(config: pg.ClientConfig) {
  const client = new pg.Client({ connectionString: url(), ...config });
  client.on("error", () => {});
  const error = await client.connect().then(
    () => null,
    (e: pg.DatabaseError) => e,
  );
  await client.end().catch(() => {});
  return error;
}

async function show(client: pg.Client, setting: string): Promise<string> {
  const { rows } = await client.query<{ value: string }>("SELECT current_setting($1) AS value", [setting]);
  return rows[0]?.value as string;
}

describe("settings an ALLOW SETTING rule lets agents give at connect", () => {
  it("reach the server: SHOW returns them, from options -c and from a startup parameter", async () => {
    const client = await connect({ options: "-c default_transaction_isolation=serializable" });
    try {
      expect((await client.query("SHOW default_transaction_isolation")).rows).toEqual([
        { default_transaction_isolation: "serializable" },
      ]);
    } finally {
      await client.end();
    }
    // postgres.js sends every `connection` entry as a startup parameter of its own.
    const sql = postgres(url(), { connection: { "app.tenant": "tenant_7" }, max: 1, onnotice: () => {} });
    try {
      expect(await sql`SELECT current_setting('app.tenant') AS tenant`).toEqual([{ tenant: "tenant_7" }]);
    } finally {
      await sql.end();
    }
  });

  it("compares an enum setting's value as the server does: the rule's spelling is not the driver's", async () => {
    // The rule lists "serializable"; the server takes the value in any case, so Sluice does too.
    const client = await connect({ options: "-c default_transaction_isolation=SERIALIZABLE" });
    try {
      expect(await show(client, "default_transaction_isolation")).toBe("serializable");
    } finally {
      await client.end();
    }
    const psql = await run("psql", ["-X", "-At", "-c", "SHOW default_transaction_isolation", url()], {
      env: { PGOPTIONS: "-c default_transaction_isolation=Read\\ Committed" },
    });
    expect(psql.stderr).toBe("");
    expect(psql.stdout.trim()).toBe("read committed");
    // Case is all that is forgiven: another level stays refused.
    const other = await refusal({ options: "-c default_transaction_isolation=REPEATABLE\\ READ" });
    expect(other).toMatchObject({ severity: "FATAL", code: "42501" });
  });

  it("refuses a setting no rule names, or a value its rule does not list, with a FATAL naming the setting", async () => {
    const unnamed = await refusal({ options: "-c work_mem=64MB" });
    expect(unnamed).toMatchObject({ severity: "FATAL", code: "42501" });
    expect(unnamed?.message).toBe(
      `the startup setting work_mem is not allowed on connection ${connection.name}: no ALLOW SETTING rule of the connection names work_mem`,
    );
    expect(unnamed?.hint).toContain("ALLOW SETTING guardrail (settings: [work_mem]");
    const value = await refusal({ options: "-c default_transaction_isolation=repeatable\\ read" });
    expect(value).toMatchObject({ severity: "FATAL", code: "42501" });
    expect(value?.message).toContain(
      `the startup setting default_transaction_isolation is not allowed on connection ${connection.name}: the value "repeatable read"`,
    );
    // The same setting on a connection without the rule: refused there.
    const elsewhere = new pg.Client({
      connectionString: harness.url,
      options: "-c default_transaction_isolation=serializable",
    });
    const error = await elsewhere.connect().catch((e: pg.DatabaseError) => e);
    await elsewhere.end().catch(() => {});
    expect(error).toMatchObject({ code: "42501", message: expect.stringContaining("no ALLOW SETTING rule") });
  });

  it("psql shows the refusal naming the setting, and no backend was logged in for it", async () => {
    const before = pool().stats(connection.id).open;
    const result = await run("psql", ["-X", "-At", "-c", "SELECT 1", url()], {
      env: { PGOPTIONS: "-c default_transaction_isolation=read\\ uncommitted" },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      "FATAL:  the startup setting default_transaction_isolation is not allowed",
    );
    expect(pool().stats(connection.id).open).toBe(before);
  });

  it("still never lets through a setting that changes who the session is, whatever the rules say", async () => {
    await allowSetting("reader-role", { settings: ["role"] });
    const error = await refusal({ options: "-c role=postgres" });
    expect(error).toMatchObject({ severity: "FATAL", code: "42501" });
    expect(error?.message).toContain(
      'setting "role" in startup parameter "options" is not allowed through Sluice',
    );
  });

  it("are judged as SET too: a connection's DENY SETTING rule still refuses one an ALLOW names", async () => {
    await saveGuardrail(admin, {
      input: {
        name: "no-isolation-change",
        connectionId: connection.id,
        kind: "SETTING",
        effect: "DENY",
        match: { settings: ["default_transaction_isolation"] },
      },
    });
    await harness.gateway.policies.reload();
    try {
      const error = await refusal({ options: "-c default_transaction_isolation=serializable" });
      expect(error?.message).toMatch(
        /^the startup setting default_transaction_isolation=serializable is refused as SET default_transaction_isolation would be: blocked by guardrail "no-isolation-change"/,
      );
    } finally {
      await harness.prisma.guardrailRule.deleteMany({ where: { name: "no-isolation-change" } });
      await harness.gateway.policies.reload();
    }
  });

  it("are refused as input where they could never apply: values on a DENY, an ALLOW of a pinned setting", async () => {
    const save = (effect: string, match: unknown) =>
      saveGuardrail(admin, {
        input: { name: `bad-${effect}`, connectionId: connection.id, kind: "SETTING", effect, match },
      }).catch((e: AdminError) => e);
    const values = await save("DENY", { settings: ["work_mem"], values: ["1MB"] });
    expect(values).toBeInstanceOf(AdminError);
    expect((values as AdminError).fields).toMatchObject({ "match.values": expect.stringContaining("ALLOW") });
    const pinned = await save("ALLOW", { settings: ["client_encoding"] });
    expect((pinned as AdminError).fields).toMatchObject({
      "match.settings": expect.stringContaining("client_encoding can never be allowed"),
    });
  });
});

const pool = () => harness.gateway.server.upstreams as UpstreamPool;

async function backendPid(client: pg.Client): Promise<number> {
  return (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid as number;
}

/** One session's backend and what it reports for the setting; the session ends before returning. */
async function sessionWith(isolation: string) {
  const client = await connect({
    options: `-c default_transaction_isolation=${isolation.replace(" ", "\\ ")}`,
  });
  try {
    return { pid: await backendPid(client), isolation: await show(client, "default_transaction_isolation") };
  } finally {
    await client.end();
    // The pool resets the backend before it is idle again: wait until every backend is.
    await until(
      () => {
        const stats = pool().stats(connection.id);
        return stats.open > 0 && stats.idle === stats.open;
      },
      { what: "the session's backend back in the pool" },
    );
  }
}

describe("pooled upstream logins and startup settings", () => {
  it("never gives a session a backend logged in with other settings; the same settings share one", async () => {
    const first = await sessionWith("serializable");
    expect(first.isolation).toBe("serializable");
    const other = await sessionWith("read committed");
    expect(other.isolation).toBe("read committed");
    expect(other.pid).not.toBe(first.pid);
    const again = await sessionWith("serializable");
    expect(again).toEqual(first);
    const otherAgain = await sessionWith("read committed");
    expect(otherAgain).toEqual(other);
  });
});
