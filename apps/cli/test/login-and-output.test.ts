import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { hashApiToken, loginCode } from "@sluice/secrets/api-token";
import { describe, expect, it } from "vitest";
import { credentialsPath, readCredentials, writeCredentials } from "../src/api/credentials-file";
import { createLoginRequest } from "../src/login/login-request";
import { renderTable } from "../src/output";

describe("sluice login's request", () => {
  it("links to the console with the token's hash, never the token, and a code from that hash", () => {
    const request = createLoginRequest("https://console.example", "sluice login on box");
    const link = new URL(request.link);
    expect(`${link.origin}${link.pathname}`).toBe("https://console.example/cli-login");
    expect(link.searchParams.get("key")).toBe(hashApiToken(request.token));
    expect(request.link).not.toContain(request.token.slice(4));
    expect(link.searchParams.get("prefix")).toBe(request.token.slice(0, 10));
    expect(link.searchParams.get("name")).toBe("sluice login on box");
    expect(request.code).toBe(loginCode(hashApiToken(request.token)));
    expect(request.code).toMatch(/^[0-9A-F]{5}-[0-9A-F]{5}$/);
    expect(createLoginRequest("https://console.example", "x").token).not.toBe(request.token);
  });
});

describe("the credentials file", () => {
  it("lives under XDG_CONFIG_HOME, else ~/.config", () => {
    expect(credentialsPath({ XDG_CONFIG_HOME: "/x", HOME: "/h" })).toBe("/x/sluice/credentials");
    expect(credentialsPath({ HOME: "/h" })).toBe("/h/.config/sluice/credentials");
    expect(credentialsPath({})).toBeNull();
  });

  it("is written 0600, also over a file that had looser bits, and read back", () => {
    const home = mkdtempSync(path.join(tmpdir(), "sluice-cred-"));
    try {
      const file = path.join(home, "sluice", "credentials");
      writeCredentials(file, { url: "http://localhost:3000", token: "slt_abc" });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      writeFileSync(file, "{}", { mode: 0o644 });
      writeCredentials(file, { url: "http://localhost:3000", token: "slt_def" });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readCredentials(file)).toEqual({ url: "http://localhost:3000", token: "slt_def" });
      expect(readCredentials(path.join(home, "absent"))).toBeNull();
      writeFileSync(file, JSON.stringify({ url: "http://x", token: "sk_agent" }));
      expect(() => readCredentials(file)).toThrow("not a credentials file");
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe("tables", () => {
  it("aligns columns and trims trailing space", () => {
    const rows = [
      { name: "shop", groups: "analysts" },
      { name: "crm-long", groups: "-" },
    ];
    expect(
      renderTable(rows, [
        { header: "NAME", value: (row) => row.name },
        { header: "GROUPS", value: (row) => row.groups },
      ]),
    ).toBe("NAME      GROUPS\nshop      analysts\ncrm-long  -");
  });
});
