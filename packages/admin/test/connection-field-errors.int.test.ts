import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminContext } from "../src/actor";
import { saveConnection } from "../src/save-connection";
import { type AdminStore, createAdminStore, refusal } from "./support/admin-store";

const KEY = Buffer.alloc(32, 3);

const mysqlInput = (fields: Record<string, unknown> = {}) => ({
  type: "MYSQL",
  name: "orders-mysql",
  host: "mysql.internal",
  port: 3306,
  database: "orders",
  username: "app",
  password: "pw",
  tlsMode: "DISABLE",
  allowedGroups: ["analysts"],
  ...fields,
});

const httpInput = (fields: Record<string, unknown> = {}) => ({
  type: "HTTP",
  name: "crm",
  host: "crm.internal",
  port: 443,
  database: "/api",
  password: "secret",
  tlsMode: "VERIFY_FULL",
  httpAuthKind: "BEARER",
  ...fields,
});

/**
 * Every wrong field of a connection's form comes back under the field's own name, which is where
 * the console shows it: a message under a key no field has (`allowedGroups.1`) is shown nowhere.
 */
describe("a connection's wrong fields, each named as the form names it", () => {
  let store: AdminStore;
  let admin: AdminContext;

  beforeAll(async () => {
    store = await createAdminStore({ roles: [{ idpGroup: "admins", role: "ADMIN" }], secretKey: KEY });
    admin = await store.contextFor("ada@example.test", ["admins"]);
  });
  afterAll(() => store?.drop());

  const fieldsOf = async (input: Record<string, unknown>) =>
    (await refusal(saveConnection(admin, { input }), "invalid")).fields;

  it("names an empty name, a port out of range and a bad group on their fields, the group quoted", async () => {
    expect(
      await fieldsOf(mysqlInput({ name: "", port: 70000, allowedGroups: ["analysts", "data team!"] })),
    ).toEqual({
      name: "required",
      port: "1 to 65535",
      allowedGroups:
        "\"data team!\": letters, digits, '_', '.' and '-' only, starting with a letter or digit",
    });
  });

  it.each([
    ["a URL", "https://crm.example.com/api", "the host alone: no scheme (https://) or path"],
    ["a path", "crm.example.com/api", "the host alone: no scheme (https://) or path"],
    ["host:port", "crm.example.com:8443", "the host alone: the port goes in Port"],
    ["a bracketed IPv6", "[::1]", "an IPv6 address without the brackets"],
    ["a space", "crm example", "a host name (db.internal) or an IP address"],
  ])("refuses %s as a host, saying what the field takes", async (_, host, message) => {
    expect((await fieldsOf(httpInput({ host }))).host).toContain(message);
    expect((await fieldsOf(mysqlInput({ host }))).host).toContain(message);
  });

  it("takes host names, underscores and IP addresses as the gateway connects to them", async () => {
    for (const [index, host] of ["db.internal", "my_db", "10.0.0.5", "::1", "localhost."].entries()) {
      const saved = await saveConnection(admin, { input: mysqlInput({ name: `ok-${index}`, host }) });
      expect(saved.host).toBe(host);
    }
  });
});
