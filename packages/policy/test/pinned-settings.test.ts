import { keepsPinnedValue } from "@sluice/policy/pinned-settings";
import type { ConnectionPolicy } from "@sluice/policy/rules";
import { parseGuardrail } from "@sluice/policy/rules";
import { loadParser, parseStatements } from "@sluice/sql/parser";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../src/engine";
import { PolicySessionState } from "../src/session-state";

beforeAll(() => loadParser());

const open: ConnectionPolicy = { connectionName: "shop", isReadOnly: false, guardrails: [], reviews: [] };

/** Even a connection that allows every setting by name cannot unpin these. */
const permissive: ConnectionPolicy = {
  ...open,
  guardrails: ["client_encoding", "standard_conforming_strings", "*"].map((name) =>
    parseGuardrail({
      name: `allow-${name}`,
      kind: "SETTING",
      effect: "ALLOW",
      match: { settings: [name] },
      message: null,
    }),
  ),
};

const judge = (sql: string, policy = open) =>
  evaluate(policy, parseStatements(sql), new PolicySessionState("app"));

describe("pinned settings (client_encoding, standard_conforming_strings)", () => {
  const refused = [
    "SET client_encoding = 'GBK'",
    "SET client_encoding TO 'SJIS'",
    "SET NAMES 'BIG5'",
    "SET LOCAL client_encoding = 'GB18030'",
    "SET SESSION \"CLIENT_ENCODING\" = 'JOHAB'",
    "SET client_encoding = 'SQL_ASCII'",
    "SELECT set_config('client_encoding', 'UHC', false)",
    "SELECT pg_catalog.set_config('CLIENT_ENCODING', 'GBK', true)",
    "SELECT set_config('client_encoding', current_setting('server_encoding'), false)",
    "SET standard_conforming_strings = off",
    "SET standard_conforming_strings = false",
    "SET standard_conforming_strings = 0",
    "SET standard_conforming_strings = 'o'",
    "SELECT set_config('standard_conforming_strings', 'off', false)",
    "SELECT 1; SET client_encoding = 'GBK'",
  ];
  for (const sql of refused) {
    it(`refuses ${sql} under sluice:pinned-setting, even where settings are allowed`, () => {
      for (const policy of [open, permissive]) {
        const verdict = judge(sql, policy);
        expect(verdict).toMatchObject({ kind: "deny", rule: "sluice:pinned-setting" });
        expect(verdict.kind === "deny" && verdict.message).toMatch(/pinned|computed/);
      }
    });
  }

  it("refuses a computed setting name even when set_config with any name is allowed", () => {
    expect(judge("SELECT set_config('client_' || 'encoding', 'GBK', false)", permissive)).toMatchObject({
      rule: "sluice:pinned-setting",
    });
    // Without that relaxation the privilege default speaks first, as before.
    expect(judge("SELECT set_config(lower('ROLE'), 'x', false)")).toMatchObject({
      rule: "sluice:privilege-change",
    });
  });

  const allowed = [
    "SET client_encoding = 'UTF8'",
    "SET client_encoding TO 'utf-8'",
    "SET NAMES 'unicode'",
    "SET client_encoding = DEFAULT",
    "RESET client_encoding",
    "RESET ALL",
    "DISCARD ALL",
    "SET standard_conforming_strings = on",
    "SET standard_conforming_strings TO true",
    "SET standard_conforming_strings = 1",
    "RESET standard_conforming_strings",
    "SELECT set_config('standard_conforming_strings', 'on', false)",
    "SHOW client_encoding",
    "SET search_path = public",
  ];
  for (const sql of allowed) {
    it(`allows ${sql}: it keeps (or returns to) the pinned value`, () => {
      expect(judge(sql)).toEqual({ kind: "allow" });
    });
  }

  it("reads booleans as parse_bool does and encodings as clean_encoding_name does", () => {
    for (const value of ["on", "ON", "t", "tr", "TRUE", "y", "yes", "1"])
      expect(keepsPinnedValue("standard_conforming_strings", value)).toBe(true);
    for (const value of ["o", "of", "off", "false", "0", "no", "", " on", "10"])
      expect(keepsPinnedValue("standard_conforming_strings", value)).toBe(false);
    for (const value of ["UTF8", "utf-8", "U_T_F 8", "Unicode"])
      expect(keepsPinnedValue("client_encoding", value)).toBe(true);
    for (const value of ["GBK", "SQL_ASCII", "utf16", "LATIN1", "6"])
      expect(keepsPinnedValue("client_encoding", value)).toBe(false);
  });
});
