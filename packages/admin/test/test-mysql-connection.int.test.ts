import net from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AdminContext } from "../src/actor";
import { saveConnection } from "../src/save-connection";
import { testConnection } from "../src/test-connection";
import { type AdminStore, createAdminStore, refusal } from "./support/admin-store";

const KEY = Buffer.alloc(32, 5);

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("testing a MySQL connection from the console", () => {
  const maria = inject("mariadb");
  let store: AdminStore;
  let admin: AdminContext;

  beforeAll(async () => {
    store = await createAdminStore({ roles: [{ idpGroup: "admins", role: "ADMIN" }], secretKey: KEY });
    admin = await store.contextFor("ada@example.test", ["admins"]);
  });
  afterAll(() => store?.drop());

  const save = (name: string, fields: Record<string, unknown> = {}) =>
    saveConnection(admin, {
      input: {
        type: "MYSQL",
        name,
        host: maria.host,
        port: maria.port,
        database: "mysql",
        username: maria.user,
        password: maria.password,
        tlsMode: "PREFER",
        ...fields,
      },
    });

  it("logs in with the brokered credentials and the pinned modes, and names the server", async () => {
    const result = await testConnection(admin, { id: (await save("maria")).id });
    expect(result).toMatchObject({
      ok: true,
      engine: "MySQL",
      user: maria.user,
      database: "mysql",
      tls: false,
    });
    expect(result.ok ? result.serverVersion : "").toMatch(/MariaDB/);
  });

  it("says which failure it was: bad credentials, unknown database, unreachable, TLS required", async () => {
    const error = async (fields: Record<string, unknown>, name: string) => {
      const result = await testConnection(admin, { id: (await save(name, fields)).id });
      expect(result.ok).toBe(false);
      return result.ok ? "" : result.error;
    };
    expect(await error({ password: "wrong" }, "bad-password")).toMatch(
      /refused the login: Access denied for user .* \(1045\)/,
    );
    expect(await error({ database: "no_such_db" }, "bad-db")).toMatch(/refused the login: .*no_such_db/);
    const port = await closedPort();
    expect(await error({ port }, "nowhere")).toBe(`unreachable: ${maria.host}:${port}: ECONNREFUSED`);
    // This server offers no TLS: REQUIRE refuses it before the credentials are sent.
    expect(await error({ tlsMode: "REQUIRE" }, "wants-tls")).toBe(
      "TLS: the upstream does not offer TLS and the connection requires it (REQUIRE)",
    );
  });

  it("still refuses to test an HTTP connection", async () => {
    const http = await saveConnection(admin, {
      input: {
        type: "HTTP",
        name: "api",
        host: "api.internal",
        port: 443,
        database: "/",
        tlsMode: "VERIFY_FULL",
      },
    });
    expect((await refusal(testConnection(admin, { id: http.id }), "invalid")).message).toMatch(
      /HTTP .* not built yet/,
    );
  });
});
