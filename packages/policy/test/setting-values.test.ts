import { connectSettingRefusal, isSettingAllowedByRule } from "@sluice/policy/connect-settings";
import { guardrailMatchProblem, parseGuardrail } from "@sluice/policy/rules";
import { normalizeSettingValue, parseServerBool, settingValueKind } from "@sluice/policy/setting-values";
import { describe, expect, it } from "vitest";

const allow = (name: string, settings: string[], values: string[]) =>
  parseGuardrail({ name, kind: "SETTING", effect: "ALLOW", match: { settings, values }, message: null });

/** A connection whose ALLOW SETTING rules list values in the spellings an admin might type. */
const POLICY = {
  connectionName: "shop",
  isReadOnly: false,
  guardrails: [
    allow("messages", ["client_min_messages"], ["WARNING", "notice"]),
    allow("jit", ["jit"], ["off"]),
    allow("commit", ["synchronous_commit"], ["on", "local"]),
    allow("isolation", ["default_transaction_isolation"], ["Read Committed"]),
    allow("tenant", ["app.tenant"], ["Tenant_*"]),
    allow("path", ["search_path"], ["app, public"]),
    allow("style", ["datestyle"], ["ISO, *"]),
  ],
  reviews: [],
};

const isAllowed = (name: string, value: string) => connectSettingRefusal(POLICY, name, value) === null;

describe("setting values compared as the server compares them", () => {
  it("knows each setting's kind from the server's pg_settings", () => {
    expect(settingValueKind("client_min_messages")).toBe("enum");
    expect(settingValueKind("IntervalStyle")).toBe("enum");
    expect(settingValueKind("jit")).toBe("bool");
    expect(settingValueKind("DateStyle")).toBe("keywords");
    expect(settingValueKind("search_path")).toBe("exact");
    expect(settingValueKind("app.tenant")).toBe("exact");
  });

  it("reads booleans as parse_bool does, prefixes and all, and refuses what the server refuses", () => {
    for (const yes of ["on", "ON", "true", "T", "tr", "yes", "Y", "1"])
      expect(parseServerBool(yes), yes).toBe(true);
    for (const no of ["off", "OF", "false", "f", "no", "N", "0"]) expect(parseServerBool(no), no).toBe(false);
    for (const bad of ["", "o", "2", " on", "onn", "truee"]) expect(parseServerBool(bad), bad).toBeNull();
  });

  it("allows an enum value in any case, and only the listed ones", () => {
    expect(isAllowed("client_min_messages", "warning")).toBe(true);
    expect(isAllowed("client_min_messages", "NOTICE")).toBe(true);
    expect(isAllowed("client_min_messages", "Warning")).toBe(true);
    expect(isAllowed("client_min_messages", "debug5")).toBe(false);
    expect(isAllowed("default_transaction_isolation", "READ COMMITTED")).toBe(true);
    expect(isAllowed("default_transaction_isolation", "serializable")).toBe(false);
  });

  it("allows a boolean by what it means, and an enum's boolean aliases as its on/off", () => {
    for (const off of ["off", "OFF", "false", "no", "0", "f"]) expect(isAllowed("jit", off), off).toBe(true);
    for (const on of ["on", "TRUE", "1", "yes"]) expect(isAllowed("jit", on), on).toBe(false);
    expect(isAllowed("synchronous_commit", "TRUE")).toBe(true);
    expect(isAllowed("synchronous_commit", "Local")).toBe(true);
    // Enum aliases are full words only: the server refuses "t" for synchronous_commit.
    expect(normalizeSettingValue("synchronous_commit", "t")).toBe("t");
    expect(isAllowed("synchronous_commit", "off")).toBe(false);
  });

  it("compares DateStyle item by item, case-insensitively", () => {
    // DateStyle is built in at connect, so the rule is asked directly (as a SET of it would ask).
    expect(isSettingAllowedByRule(POLICY, "datestyle", "iso, mdy")).toBe(true);
    expect(isSettingAllowedByRule(POLICY, "datestyle", "ISO,DMY")).toBe(true);
    expect(isSettingAllowedByRule(POLICY, "datestyle", "SQL, DMY")).toBe(false);
    expect(normalizeSettingValue("DateStyle", "ISO,MDY")).toBe(
      normalizeSettingValue("datestyle", "iso, mdy"),
    );
  });

  it("keeps strings the server keeps as given exact and case-sensitive", () => {
    expect(isAllowed("app.tenant", "Tenant_7")).toBe(true);
    expect(isAllowed("app.tenant", "tenant_7")).toBe(false);
    expect(normalizeSettingValue("search_path", "App, Public")).toBe("App, Public");
    expect(normalizeSettingValue("application_name", "ON")).toBe("ON");
  });
});

describe("an ALLOW SETTING rule's values where it is written", () => {
  it("refuses a value no boolean setting can have, naming the values field", () => {
    expect(guardrailMatchProblem("SETTING", "ALLOW", { settings: ["jit"], values: ["maybe"] })).toEqual({
      field: "values",
      message: 'jit is on or off (true/false, yes/no, 1/0 say the same); the server refuses "maybe"',
    });
    expect(guardrailMatchProblem("SETTING", "ALLOW", { settings: ["jit"], values: ["OFF", "0"] })).toBeNull();
    // Another setting of the rule may take the value: not the form's business to guess.
    expect(
      guardrailMatchProblem("SETTING", "ALLOW", {
        settings: ["jit", "client_min_messages"],
        values: ["warning"],
      }),
    ).toBeNull();
  });
});
