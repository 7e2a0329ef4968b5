import { describe, expect, it } from "vitest";
import {
  connectionFormOf,
  connectionInputOf,
  describeUpstream,
  withType,
} from "../src/app/(console)/connections/connection-form-state";

const split = (text: string) =>
  text
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);

describe("the connection form by kind", () => {
  it("moves a default port with the kind, and keeps one that was typed", () => {
    const empty = connectionFormOf(null);
    expect(empty.port).toBe("5432");
    expect(withType(empty, "MYSQL").port).toBe("3306");
    expect(withType(empty, "HTTP").port).toBe("443");
    expect(withType({ ...empty, port: "6543" }, "MYSQL").port).toBe("6543");
  });

  it("starts an HTTP connection verifying TLS, with a bearer secret and the root as base path", () => {
    const http = withType(connectionFormOf(null), "HTTP");
    expect(http).toMatchObject({ database: "/", httpAuthKind: "BEARER", tlsMode: "VERIFY_FULL" });
  });

  it("keeps the TLS mode for MySQL, and clears HTTP fields off other kinds", () => {
    const http = {
      ...withType(connectionFormOf(null), "HTTP"),
      httpAuthHeader: "X-Key",
      httpTimeoutSeconds: "5",
    };
    const mysql = withType(http, "MYSQL");
    // HTTP's verification carries over: MySQL upstreams take every TLS mode.
    expect(mysql).toMatchObject({
      tlsMode: "VERIFY_FULL",
      httpAuthKind: "",
      httpAuthHeader: "",
      httpTimeoutSeconds: "",
    });
    expect(withType({ ...http, tlsMode: "DISABLE" }, "MYSQL").tlsMode).toBe("DISABLE");
  });

  it("sends HTTP-only fields only for HTTP, and an empty timeout as the defaults", () => {
    const http = {
      ...withType(connectionFormOf(null), "HTTP"),
      httpAuthKind: "HEADER" as const,
      httpAuthHeader: "X-Key",
    };
    expect(connectionInputOf(http, split)).toMatchObject({
      type: "HTTP",
      port: 443,
      httpAuthKind: "HEADER",
      httpAuthHeader: "X-Key",
      httpTimeoutSeconds: null,
      isStrictMasking: false,
    });
    expect(connectionInputOf({ ...http, httpAuthKind: "BEARER" }, split).httpAuthHeader).toBeNull();
    const postgres = connectionInputOf({ ...connectionFormOf(null), httpAuthKind: "BEARER" }, split);
    expect(postgres).toMatchObject({
      type: "POSTGRES",
      httpAuthKind: null,
      httpAuthHeader: null,
      httpTimeoutSeconds: null,
    });
  });

  it("sends an HTTP connection's upstream user only with basic auth", () => {
    const http = { ...withType(connectionFormOf(null), "HTTP"), username: "svc" };
    expect(connectionInputOf({ ...http, httpAuthKind: "BEARER" }, split).username).toBe("");
    expect(connectionInputOf({ ...http, httpAuthKind: "" }, split).username).toBe("");
    expect(connectionInputOf({ ...http, httpAuthKind: "BASIC" }, split).username).toBe("svc");
    expect(connectionInputOf({ ...connectionFormOf(null), username: "app" }, split).username).toBe("app");
  });

  it("shows an HTTP upstream as its URL and a database one as user@host/db", () => {
    const base = {
      ...connectionFormOf(null),
      id: "c",
      name: "crm",
      host: "crm.internal",
      port: 8443,
      username: "svc",
    };
    const view = (fields: object) => ({ ...base, hasPassword: false, allowedGroups: [], ...fields }) as never;
    expect(describeUpstream(view({ type: "HTTP", database: "/api/v2", tlsMode: "VERIFY_FULL" }))).toBe(
      "https://crm.internal:8443/api/v2",
    );
    expect(describeUpstream(view({ type: "HTTP", database: "/", tlsMode: "DISABLE" }))).toBe(
      "http://crm.internal:8443",
    );
    expect(describeUpstream(view({ type: "MYSQL", database: "shop" }))).toBe("svc@crm.internal:8443/shop");
  });
});
