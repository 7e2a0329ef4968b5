import { createUpstreamLogin } from "@sluice/session/upstream-login";
import { describe, expect, it } from "vitest";
import { assertPinnedReport } from "../src/pinned-backstop";
import { formatStartupOptions, parseStartupOptions, splitOptions } from "../src/startup-options";
import { validateStartupParams } from "../src/startup-params";

const connect = (extra: Record<string, string>) =>
  validateStartupParams({ user: "a", database: "shop", ...extra });

describe("options split as pg_split_opts splits it", () => {
  it("separates on any C whitespace and keeps an escaped one", () => {
    expect(splitOptions("  -c a=b\t--c-d=e\\ f \\\\x ")).toEqual(["-c", "a=b", "--c-d=e f", "\\x"]);
    expect(splitOptions("-csearch_path=a\\,\\ b")).toEqual(["-csearch_path=a, b"]);
    // A trailing backslash escapes nothing and is dropped, as in the server.
    expect(splitOptions("x\\")).toEqual(["x"]);
  });

  it("reads -c name=value, -cname=value and --name=value, dashes in names as underscores", () => {
    expect(parseStartupOptions("-c search_path=hr --statement-timeout=5s -capplication_name=x=y")).toEqual({
      ok: true,
      settings: [
        { name: "search_path", value: "hr" },
        { name: "statement_timeout", value: "5s" },
        { name: "application_name", value: "x=y" },
      ],
    });
  });

  it("does not understand other switches, clustered flags, a bare -- or a missing value", () => {
    for (const options of [
      "-O",
      "-Oc role=x",
      "--",
      "-c",
      "-c role",
      "--=x",
      "-e",
      "search_path=x",
      "-F -c a=b",
    ])
      expect(parseStartupOptions(options).ok).toBe(false);
  });

  it("writes back what the server splits into the same settings", () => {
    const settings = [
      { name: "search_path", value: '"my schema", public' },
      { name: "application_name", value: "a\\b\tc" },
    ];
    expect(parseStartupOptions(formatStartupOptions(settings))).toEqual({ ok: true, settings });
  });
});

describe("connect-time settings", () => {
  it("accepts pass-through settings in options and forwards only what it judged", () => {
    const request = connect({ options: "-c search_path=hr,public  --statement-timeout=5s" });
    expect(request.passThrough).toEqual({ options: "-c search_path=hr,public -c statement_timeout=5s" });
    expect(request.settings).toEqual([
      { name: "search_path", value: "hr,public" },
      { name: "statement_timeout", value: "5s" },
    ]);
  });

  it("lists options first and parameters after, the order the server applies them", () => {
    const request = connect({ search_path: "b", options: "-c search_path=a" });
    expect(request.settings.map((s) => s.value)).toEqual(["a", "b"]);
  });

  it("refuses, before authentication, settings no rule can allow at connect and other switches, naming them", () => {
    for (const [options, named] of [
      ["-c role=postgres", 'setting "role"'],
      ["--session-authorization=postgres", 'setting "session_authorization"'],
      ["-c backslash_quote=on", 'setting "backslash_quote"'],
      ["-c search_path=x -O", '"-O" is not a "-c name=value" setting'],
    ]) {
      expect(() => connect({ options: options as string })).toThrow(named as string);
    }
  });

  it("forwards any other setting, for the connection's ALLOW SETTING rules to judge after authentication", () => {
    const request = connect({ options: "-c default_transaction_read_only=off --app.tenant=t1" });
    expect(request.settings).toEqual([
      { name: "default_transaction_read_only", value: "off" },
      { name: "app.tenant", value: "t1" },
    ]);
    expect(request.passThrough).toEqual({ options: "-c default_transaction_read_only=off -c app.tenant=t1" });
  });

  it("accepts the UTF8 spellings and libpq's C-locale SQL_ASCII; the login sends UTF8 itself", () => {
    for (const value of ["UTF8", "utf-8", "Unicode", "SQL_ASCII"]) {
      expect(connect({ client_encoding: value }).passThrough).toEqual({});
    }
    expect(connect({ options: "-c client_encoding=utf8" }).passThrough).toEqual({});
  });

  it("refuses every other client encoding at connect, wherever it is given", () => {
    for (const value of ["GBK", "SJIS", "BIG5", "GB18030", "JOHAB", "UHC", "LATIN1", "auto"]) {
      expect(() => connect({ client_encoding: value })).toThrow(
        `client_encoding "${value}" is not supported`,
      );
      expect(() => connect({ options: `-c client_encoding=${value}` })).toThrow("is not supported");
      expect(() => connect({ CLIENT_ENCODING: value })).toThrow("is not supported");
    }
  });

  it("accepts standard_conforming_strings only as on, and does not forward it", () => {
    expect(connect({ standard_conforming_strings: "on" }).passThrough).toEqual({});
    expect(() => connect({ standard_conforming_strings: "off" })).toThrow("must be on");
    expect(() => connect({ options: "-c standard_conforming_strings=off" })).toThrow("must be on");
  });

  it("logs in upstream with the pinned settings last, whatever the client sent", () => {
    const login = createUpstreamLogin(
      {
        connectionName: "shop",
        user: "app",
        database: "shop",
        password: null,
        params: { CLIENT_ENCODING: "GBK", application_name: "x" },
      },
      false,
    );
    const text = login.startup().subarray(8).toString("latin1");
    expect(text).toBe(
      "user\0app\0database\0shop\0application_name\0x\0client_encoding\0UTF8\0standard_conforming_strings\0on\0\0",
    );
  });
});

describe("reported pinned settings", () => {
  it("ends the session when the upstream reports another encoding or standard strings off", () => {
    expect(() => assertPinnedReport("client_encoding", "GBK")).toThrow(/client_encoding = GBK/);
    expect(() => assertPinnedReport("standard_conforming_strings", "off")).toThrow(/ends the session/);
    expect(() => assertPinnedReport("client_encoding", "UTF8")).not.toThrow();
    expect(() => assertPinnedReport("standard_conforming_strings", "on")).not.toThrow();
    expect(() => assertPinnedReport("TimeZone", "UTC")).not.toThrow();
  });
});
