import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery, createTestDatabase } from "../../../test/support";
import type { AdminContext } from "../src/actor";
import { listGuardrails } from "../src/guardrail-rules";
import { listReviewRules, saveReviewerGroup } from "../src/review-rules";
import { saveConnection } from "../src/save-connection";
import { tryStatement } from "../src/try-statement";
import { type AdminStore, createAdminStore } from "./support/admin-store";

const KEY = Buffer.alloc(32, 5);

/**
 * Rules stored before the API refused patterns that can never match still load and are listed as
 * active: the lists say which never fire, and why. The try box (the gateway's decision point) is
 * the oracle that they do not fire, and that their well-formed neighbours do.
 */
describe("stored rules whose patterns can never match, in the admin lists", () => {
  let store: AdminStore;
  let upstream: { url: string; drop: () => Promise<void> };
  let admin: AdminContext;
  let connectionId: string;

  beforeAll(async () => {
    store = await createAdminStore({ roles: [{ idpGroup: "admins", role: "ADMIN" }], secretKey: KEY });
    upstream = await createTestDatabase("never_matching");
    await adminQuery(
      upstream.url,
      "CREATE TABLE employees (id int, salary int); CREATE TABLE orders (id int)",
    );
    admin = await store.contextFor("ada@example.test", ["admins"]);
    const url = new URL(upstream.url);
    const connection = await saveConnection(admin, {
      input: {
        name: "shop",
        host: url.hostname,
        port: Number(url.port),
        database: url.pathname.slice(1),
        username: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        tlsMode: "DISABLE",
      },
    });
    connectionId = connection.id;
    // Written behind the API's back, as an older version saved them.
    await store.prisma.guardrailRule.createMany({
      data: [
        { connectionId, name: "no-emp", kind: "TABLE", effect: "DENY", match: { tables: ["*.employees"] } },
        { connectionId, name: "no-salary", kind: "COLUMN", match: { columns: ["*.employees.salary"] } },
        {
          connectionId,
          name: "no-orders",
          kind: "TABLE",
          effect: "DENY",
          match: { tables: ["public.orders"] },
        },
      ],
    });
    const group = await saveReviewerGroup(admin, { input: { name: "dba", idpGroup: "dbas" } });
    for (const [name, match] of [
      ["emp-reads", { tables: ["emp*"] }],
      ["emp-deletes", { kinds: ["DELETE"], tables: ["employees"] }],
    ] as const) {
      await store.prisma.reviewRule.create({
        data: { connectionId, name, match, groups: { create: [{ groupId: group.id }] } },
      });
    }
  });
  afterAll(async () => {
    await store?.drop();
    await upstream?.drop();
  });

  const judge = async (statement: string) =>
    (await tryStatement(admin, { input: { connectionId, statement, agentId: null } })).verdict;

  it("the flagged rules never fire; their neighbours do", async () => {
    expect(await judge("SELECT salary FROM employees")).toMatchObject({ kind: "allow" });
    expect(await judge("SELECT id FROM orders")).toMatchObject({ kind: "deny", rule: "no-orders" });
    expect(await judge("DELETE FROM employees")).toMatchObject({ kind: "hold", rule: "emp-deletes" });
  });

  it("lists each guardrail with why it never matches, or null", async () => {
    const listed = Object.fromEntries((await listGuardrails(admin)).map((rule) => [rule.name, rule]));
    expect(listed["no-emp"]?.neverMatches).toBe(
      '"*.employees" never matches: a table pattern is table, schema.table, schema.* or *',
    );
    expect(listed["no-salary"]?.neverMatches).toContain('"*.employees.salary" never matches: its table part');
    expect(listed["no-orders"]?.neverMatches).toBeNull();
  });

  it("lists each review rule with why it never matches, or null", async () => {
    const listed = Object.fromEntries((await listReviewRules(admin)).map((rule) => [rule.name, rule]));
    expect(listed["emp-reads"]?.neverMatches).toContain('"emp*" never matches');
    expect(listed["emp-deletes"]?.neverMatches).toBeNull();
  });
});
