import { generateAgentToken } from "@sluice/secrets/agent-token";
import { describe, expect, it } from "vitest";
import { isSecretKey, REDACTED, redactSecrets, redactText, redactUrl } from "../src/redact";

describe("redactUrl", () => {
  it.each([
    ["postgresql://user:SECRET@host/db", "postgresql://user:***@host/db"],
    [
      "postgresql://demo-agent:sk_abc@localhost:15432/shop",
      "postgresql://demo-agent:***@localhost:15432/shop",
    ],
    ["postgres://u:p@h:5432/db?sslmode=require", "postgres://u:***@h:5432/db?sslmode=require"],
    ["mysql://root:hunter2@db.internal/app", "mysql://root:***@db.internal/app"],
    ["postgresql://u:p%40ss@host/db", "postgresql://u:***@host/db"],
    ["postgresql://u:@host/db", "postgresql://u:***@host/db"],
    [
      "postgresql://u@host/db?password=hunter2&sslmode=require",
      "postgresql://u@host/db?password=***&sslmode=require",
    ],
    [
      "postgresql://host/db?sslmode=require&PASSWORD=hunter2",
      "postgresql://host/db?sslmode=require&PASSWORD=***",
    ],
  ])("masks %s", (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it.each([
    ["an unencoded '@'", "postgresql://u:p@ss@host/db", "postgresql://u:***@host/db"],
    ["an unencoded '/'", "postgresql://u:a/b+c=@host/db", "postgresql://u:***@host/db"],
    ["an unencoded '?' and '#'", "postgresql://u:a?b#c@host/db", "postgresql://u:***@host/db"],
  ])("masks a password with %s completely", (_, url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it.each([
    "postgresql://localhost/shop",
    "postgresql://host:5432/db",
    "postgresql://user@host:5432/db",
    "postgresql:///db?host=/var/run/postgresql",
    "not a url: user:pass",
  ])("leaves %s alone (no password in it)", (url) => {
    expect(redactUrl(url)).toBe(url);
  });

  it("masks URLs inside a longer text", () => {
    expect(redactUrl('connect "postgresql://a:one@h/db" then postgres://b:two@h2/db2 failed')).toBe(
      'connect "postgresql://a:***@h/db" then postgres://b:***@h2/db2 failed',
    );
  });
});

describe("redactText", () => {
  it("masks agent tokens and URL passwords in free text", () => {
    const token = generateAgentToken();
    expect(redactText(`agent used ${token} via postgresql://agent:${token}@gw/db`)).toBe(
      `agent used ${REDACTED} via postgresql://agent:***@gw/db`,
    );
  });
});

describe("isSecretKey", () => {
  it.each([
    "password",
    "Password",
    "passwordCipher",
    "password_cipher",
    "sslpassword",
    "PGPASSWORD",
    "pass",
    "pwd",
    "secret",
    "clientSecret",
    "secretKey",
    "token",
    "apiToken",
    "tokenHash",
    "access_token",
    "apiKey",
    "API_KEY",
    "privateKey",
    "scramVerifier",
    "cookie",
    "credentials",
  ])("treats %s as secret", (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    "name",
    "host",
    "user",
    "tokenFingerprint",
    "fingerprint",
    "prefix",
    "passwordSetAt",
    "secretKeyId",
    "bypass",
    "compass",
    "statementHash",
    "tokenizer",
    "key",
  ])("treats %s as public", (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});

describe("redactSecrets", () => {
  it("masks secret keys at any depth and leaves the rest of an audit snapshot", () => {
    const before = {
      name: "shop",
      user: "app",
      passwordCipher: "v1:aaa:bbb:ccc",
      nested: [{ apiKey: "k", host: "h" }],
      token: null,
      hasPassword: true,
      credential: { scramVerifier: "SCRAM-SHA-256$…", fingerprint: "12b2820cf163" },
      createdAt: new Date(0),
      port: 5432,
    };
    expect(redactSecrets(before)).toEqual({
      name: "shop",
      user: "app",
      passwordCipher: REDACTED,
      nested: [{ apiKey: REDACTED, host: "h" }],
      token: null,
      hasPassword: true,
      credential: REDACTED,
      createdAt: new Date(0),
      port: 5432,
    });
  });

  it("keeps a public fact beside its secret", () => {
    expect(redactSecrets({ scramVerifier: "SCRAM…", fingerprint: "abc", tokenFingerprint: "def" })).toEqual({
      scramVerifier: REDACTED,
      fingerprint: "abc",
      tokenFingerprint: "def",
    });
  });

  it("masks passwords and tokens in strings under ordinary keys", () => {
    const token = generateAgentToken();
    expect(redactSecrets({ url: "postgresql://u:hunter2@h/db", note: `pasted ${token}` })).toEqual({
      url: "postgresql://u:***@h/db",
      note: `pasted ${REDACTED}`,
    });
  });

  it("masks an empty password too: it says the password is empty", () => {
    expect(redactSecrets({ password: "" })).toEqual({ password: REDACTED });
  });

  it("does not change its input", () => {
    const input = { password: "hunter2", inner: { secret: "s" } };
    redactSecrets(input);
    expect(input).toEqual({ password: "hunter2", inner: { secret: "s" } });
  });

  it("returns primitives, dates and buffers as they are", () => {
    expect(redactSecrets(42)).toBe(42);
    expect(redactSecrets(null)).toBeNull();
    const buffer = Buffer.from("x");
    expect(redactSecrets({ data: buffer }).data).toBe(buffer);
  });

  it("survives a cycle", () => {
    const node: Record<string, unknown> = { name: "a" };
    node["self"] = node;
    expect(redactSecrets(node)).toEqual({ name: "a", self: REDACTED });
  });
});
