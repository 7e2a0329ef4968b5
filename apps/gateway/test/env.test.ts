import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadGatewayProcessEnv } from "../src/env";

const STORE_URL = "postgresql://sluice@127.0.0.1:5432/sluice";

describe("the gateway process's environment", () => {
  it("refuses to start without a secret key, naming the variable", () => {
    expect(() => loadGatewayProcessEnv({ SLUICE_GATEWAY_STORE_URL: STORE_URL })).toThrow(
      /invalid environment: SLUICE_GATEWAY_SECRET_KEY/,
    );
    expect(() =>
      loadGatewayProcessEnv({ SLUICE_GATEWAY_STORE_URL: STORE_URL, SLUICE_GATEWAY_SECRET_KEY: "" }),
    ).toThrow(/SLUICE_GATEWAY_SECRET_KEY/);
  });

  it("refuses a key that is not 32 bytes instead of sealing with it", () => {
    expect(() =>
      loadGatewayProcessEnv({
        SLUICE_GATEWAY_STORE_URL: STORE_URL,
        SLUICE_GATEWAY_SECRET_KEY: randomBytes(16).toString("base64"),
      }),
    ).toThrow(/SLUICE_GATEWAY_SECRET_KEY: the secret key must be 32 bytes/);
  });

  it("refuses to start without a store URL", () => {
    expect(() =>
      loadGatewayProcessEnv({ SLUICE_GATEWAY_SECRET_KEY: randomBytes(32).toString("base64") }),
    ).toThrow(/SLUICE_GATEWAY_STORE_URL/);
  });

  it("reads the key, the store, the native hash switch, the HTTP and MCP ports and TLS", () => {
    const key = randomBytes(32);
    const env = loadGatewayProcessEnv({
      SLUICE_GATEWAY_STORE_URL: STORE_URL,
      SLUICE_GATEWAY_SECRET_KEY: key.toString("base64"),
      SLUICE_NATIVE_HASH: "off",
    });
    expect(env).toEqual({
      storeUrl: STORE_URL,
      secretKey: key,
      isNativeKeyedHashAllowed: false,
      httpPort: null,
      mcpPort: null,
      isTlsEnabled: false,
    });
    expect(
      loadGatewayProcessEnv({
        SLUICE_GATEWAY_STORE_URL: STORE_URL,
        SLUICE_GATEWAY_SECRET_KEY: key.toString("base64"),
        SLUICE_GATEWAY_TLS: "on",
      }).isTlsEnabled,
    ).toBe(true);
    expect(
      loadGatewayProcessEnv({
        SLUICE_GATEWAY_STORE_URL: STORE_URL,
        SLUICE_GATEWAY_SECRET_KEY: key.toString("base64"),
        SLUICE_GATEWAY_HTTP_PORT: "18081",
      }).httpPort,
    ).toBe(18081);
    expect(
      loadGatewayProcessEnv({
        SLUICE_GATEWAY_STORE_URL: STORE_URL,
        SLUICE_GATEWAY_SECRET_KEY: key.toString("base64"),
        SLUICE_GATEWAY_MCP_PORT: "0",
      }).mcpPort,
    ).toBe(0);
    expect(
      loadGatewayProcessEnv({
        SLUICE_GATEWAY_STORE_URL: STORE_URL,
        SLUICE_GATEWAY_SECRET_KEY: key.toString("hex"),
      }).isNativeKeyedHashAllowed,
    ).toBe(true);
  });
});
