import { describe, expect, it } from "vitest";
import { type ConnectionKindFields, connectionKindProblems } from "../src/connection-kinds";

const http = (fields: Partial<ConnectionKindFields> = {}): ConnectionKindFields => ({
  type: "HTTP",
  database: "/api/v2",
  username: "",
  password: "s3cret",
  httpAuthKind: "BEARER",
  ...fields,
});

describe("what each kind of connection needs", () => {
  it("accepts a Postgres or MySQL connection with no HTTP fields", () => {
    expect(connectionKindProblems({ type: "POSTGRES", database: "shop", username: "app" }, false)).toEqual(
      {},
    );
    expect(connectionKindProblems({ type: "MYSQL", database: "shop", username: "app" }, false)).toEqual({});
  });

  it("refuses HTTP-only fields on a database connection, naming each field", () => {
    const problems = connectionKindProblems(
      {
        type: "MYSQL",
        database: "shop",
        username: "app",
        httpAuthKind: "BEARER",
        httpAuthHeader: "X-Api-Key",
        httpTimeoutSeconds: 5,
      },
      false,
    );
    expect(Object.keys(problems).sort()).toEqual(["httpAuthHeader", "httpAuthKind", "httpTimeoutSeconds"]);
  });

  it("takes every TLS mode for MySQL: the gateway speaks TLS to MySQL upstreams", () => {
    const mysql = { type: "MYSQL" as const, database: "shop", username: "app" };
    for (const tlsMode of ["DISABLE", "PREFER", "REQUIRE", "VERIFY_CA", "VERIFY_FULL"])
      expect(connectionKindProblems({ ...mysql, tlsMode }, false), tlsMode).toEqual({});
    expect(
      connectionKindProblems(
        { type: "POSTGRES", database: "shop", username: "app", tlsMode: "VERIFY_FULL" },
        false,
      ),
    ).toEqual({});
  });

  it("holds database names to each server's identifier limit", () => {
    const name = "d".repeat(64);
    expect(connectionKindProblems({ type: "MYSQL", database: name, username: "a" }, false)).toEqual({});
    expect(connectionKindProblems({ type: "POSTGRES", database: name, username: "a" }, false).database).toBe(
      "at most 63 characters",
    );
  });

  it("accepts an HTTP connection with a base path, a bearer secret and a timeout", () => {
    expect(connectionKindProblems(http({ httpTimeoutSeconds: 30 }), false)).toEqual({});
    expect(connectionKindProblems(http({ database: "/" }), false)).toEqual({});
    expect(connectionKindProblems(http({ httpAuthKind: null, password: "" }), false)).toEqual({});
  });

  it("refuses a base path that is not a plain path", () => {
    for (const database of ["api", "/api v2", "/api?x=1", "/a//b", "/api#top"]) {
      expect(connectionKindProblems(http({ database }), false).database, database).toMatch(/base path/);
    }
  });

  it("asks for the header of the named-header method, and refuses headers the gateway owns", () => {
    expect(connectionKindProblems(http({ httpAuthKind: "HEADER" }), false).httpAuthHeader).toMatch(
      /name the header/,
    );
    expect(
      connectionKindProblems(http({ httpAuthKind: "HEADER", httpAuthHeader: "X Api" }), false).httpAuthHeader,
    ).toMatch(/letters, digits/);
    expect(
      connectionKindProblems(http({ httpAuthKind: "HEADER", httpAuthHeader: "Host" }), false).httpAuthHeader,
    ).toMatch(/sets or refuses Host/);
    expect(
      connectionKindProblems(http({ httpAuthKind: "HEADER", httpAuthHeader: "X-Api-Key" }), false),
    ).toEqual({});
    expect(connectionKindProblems(http({ httpAuthHeader: "X-Api-Key" }), false).httpAuthHeader).toMatch(
      /only the named-header method/,
    );
  });

  it("needs a secret to present, typed now or already stored", () => {
    expect(connectionKindProblems(http({ password: "" }), false).password).toMatch(/type the secret/);
    expect(connectionKindProblems(http({ password: "" }), true)).toEqual({});
  });

  it("keeps the timeout between 1 s and an hour", () => {
    expect(connectionKindProblems(http({ httpTimeoutSeconds: 0 }), false).httpTimeoutSeconds).toMatch(
      /1 to 3600/,
    );
    expect(connectionKindProblems(http({ httpTimeoutSeconds: 3601 }), false).httpTimeoutSeconds).toMatch(
      /1 to 3600/,
    );
  });

  it("needs an upstream user for a database, and for an HTTP API only with basic auth", () => {
    expect(connectionKindProblems({ type: "POSTGRES", database: "shop", username: "" }, false)).toEqual({
      username: "required: the user Sluice logs in as",
    });
    expect(connectionKindProblems({ type: "MYSQL", database: "shop", username: "" }, false).username).toBe(
      "required: the user Sluice logs in as",
    );
    for (const httpAuthKind of [null, "BEARER", "HEADER"] as const) {
      const header = httpAuthKind === "HEADER" ? { httpAuthHeader: "X-Api-Key" } : {};
      expect(connectionKindProblems(http({ httpAuthKind, ...header }), false), String(httpAuthKind)).toEqual(
        {},
      );
      expect(connectionKindProblems(http({ httpAuthKind, ...header, username: "svc" }), false)).toEqual({
        username: "only basic authentication sends a user: leave it empty",
      });
    }
    expect(connectionKindProblems(http({ httpAuthKind: "BASIC" }), false)).toEqual({
      username: "basic authentication sends user:secret: type the user",
    });
    expect(connectionKindProblems(http({ httpAuthKind: "BASIC", username: "svc" }), false)).toEqual({});
  });
});
