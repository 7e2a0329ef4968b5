import { describe, expect, it } from "vitest";
import { parseGroupsClaim, rolesForGroups } from "../src/roles-for-groups";

const MAPPINGS = [
  { idpGroup: "sluice-admins", role: "ADMIN" },
  { idpGroup: "sluice-reviewers", role: "REVIEWER" },
  { idpGroup: "audit", role: "AUDITOR" },
  { idpGroup: "security", role: "AUDITOR" },
] as const;

describe("rolesForGroups", () => {
  it("maps each group to its roles, once, in a fixed order", () => {
    expect(rolesForGroups(["audit", "sluice-admins", "security"], MAPPINGS)).toEqual(["ADMIN", "AUDITOR"]);
  });
  it("grants nothing for unmapped or differently-cased groups", () => {
    expect(rolesForGroups(["Sluice-Admins", "finance"], MAPPINGS)).toEqual([]);
  });
});

describe("parseGroupsClaim", () => {
  it("accepts arrays, single strings and space-separated strings", () => {
    expect(parseGroupsClaim(["a", 1, "b"])).toEqual(["a", "b"]);
    expect(parseGroupsClaim("a b,c")).toEqual(["a", "b", "c"]);
    expect(parseGroupsClaim(undefined)).toEqual([]);
  });
});
