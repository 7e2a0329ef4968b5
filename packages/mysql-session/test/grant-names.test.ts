import { describe, expect, it } from "vitest";
import { grantNameRulesOf, mayName, surelyNames } from "../src/grant-names";

/** A database-level grant's name read as the server reads it (the server's own answers: mysql-trigger-sight.int.test.ts). */
const LIKE = { isCaseFolded: false, readsWildcards: true };
const FOLDED = { isCaseFolded: true, readsWildcards: true };
const LITERAL = { isCaseFolded: false, readsWildcards: false };

describe("grantNameRulesOf", () => {
  it("reads lower_case_table_names and partial_revokes, and nothing it does not know", () => {
    const rules = (entries: Array<[string, string]>) => grantNameRulesOf(new Map(entries));
    expect(rules([["lower_case_table_names", "0"]])).toEqual(LIKE);
    expect(
      rules([
        ["lower_case_table_names", "2"],
        ["partial_revokes", "OFF"],
      ]),
    ).toEqual(FOLDED);
    expect(
      rules([
        ["lower_case_table_names", "0"],
        ["partial_revokes", "ON"],
      ]),
    ).toEqual(LITERAL);
    expect(rules([])).toBeNull();
    expect(rules([["lower_case_table_names", "3"]])).toBeNull();
    expect(
      rules([
        ["lower_case_table_names", "0"],
        ["partial_revokes", "maybe"],
      ]),
    ).toBeNull();
  });
});

describe("surelyNames", () => {
  it("reads _ and % as LIKE does, a backslash escaping the next character", () => {
    expect(surelyNames("app\\_%", "app_1", LIKE)).toBe(true);
    expect(surelyNames("app\\_%", "appx1", LIKE)).toBe(false);
    expect(surelyNames("app_1", "appx1", LIKE)).toBe(true);
    expect(surelyNames("app%", "app", LIKE)).toBe(true);
    expect(surelyNames("%", "anything", LIKE)).toBe(true);
    expect(surelyNames("a%b%c", "aXbYc", LIKE)).toBe(true);
    expect(surelyNames("a%b%c", "aXbY", LIKE)).toBe(false);
    expect(surelyNames("app\\%", "app%", LIKE)).toBe(true);
    expect(surelyNames("app\\%", "appx", LIKE)).toBe(false);
  });

  it("compares case as lower_case_table_names says", () => {
    expect(surelyNames("APP\\_%", "app_1", LIKE)).toBe(false);
    expect(surelyNames("APP\\_%", "app_1", FOLDED)).toBe(true);
    expect(surelyNames("Shop", "shop", FOLDED)).toBe(true);
    expect(surelyNames("Shop", "shop", LIKE)).toBe(false);
  });

  it("reads every character literally under partial_revokes", () => {
    expect(surelyNames("app\\_%", "app_1", LITERAL)).toBe(false);
    expect(surelyNames("app\\_%", "app_%", LITERAL)).toBe(true);
    expect(surelyNames("app_1", "appx1", LITERAL)).toBe(false);
    expect(surelyNames("app_1", "app_1", LITERAL)).toBe(true);
  });

  it("counts, without the rules, only what every reading agrees on", () => {
    expect(surelyNames("shop", "shop", null)).toBe(true);
    expect(surelyNames("shop_1", "shop_1", null)).toBe(true);
    expect(surelyNames("shop\\_1", "shop_1", null)).toBe(true);
    expect(surelyNames("shop%", "shop", null)).toBe(false);
    expect(surelyNames("sho_", "shop", null)).toBe(false);
    expect(surelyNames("SHOP", "shop", null)).toBe(false);
  });

  it("is unsure, so counts nothing, of escapes it does not know and wildcards over non-ASCII names", () => {
    expect(surelyNames("app\\x", "appx", LIKE)).toBe(false);
    expect(surelyNames("app\\", "app\\", LIKE)).toBe(false);
    expect(surelyNames("caf_", "café", LIKE)).toBe(false);
    expect(surelyNames("café", "café", LIKE)).toBe(true);
  });
});

describe("mayName", () => {
  it("matches under any reading and casing, and wherever Sluice is unsure", () => {
    expect(mayName("APP\\_%", "app_1")).toBe(true);
    expect(mayName("app_%", "app_%")).toBe(true);
    expect(mayName("app\\x", "appx")).toBe(true);
    expect(mayName("app\\x", "crm")).toBe(true);
    expect(mayName("caf_", "café")).toBe(true);
    expect(mayName("app\\_%", "appx1")).toBe(false);
    expect(mayName("shop", "crm")).toBe(false);
  });
});
