import { describe, expect, it } from "vitest";
import { createCompiledCatalogs } from "../src/masking/compiled-catalogs";

type Rule = { name: string };

function counted() {
  const calls: Array<{ catalog: object; rules: string[] }> = [];
  const compiledUnder = createCompiledCatalogs((catalog: object, rules: readonly Rule[]) => {
    calls.push({ catalog, rules: rules.map((rule) => rule.name) });
    return { catalog, rules: rules.map((rule) => rule.name) };
  });
  return { calls, compiledUnder };
}

describe("createCompiledCatalogs", () => {
  const email = { name: "email" };
  const ssn = { name: "ssn" };
  const policy = [email, ssn];

  it("compiles a read once for every session with the same rules of the same policy", () => {
    const { calls, compiledUnder } = counted();
    const catalog = {};
    const first = compiledUnder(catalog, policy, [email, ssn]);
    const second = compiledUnder(
      catalog,
      policy,
      policy.filter(() => true),
    );

    expect(second).toBe(first);
    expect(calls).toHaveLength(1);
  });

  it("compiles apart for other exemptions, another read and another policy", () => {
    const { calls, compiledUnder } = counted();
    const catalog = {};
    const all = compiledUnder(catalog, policy, [email, ssn]);
    const exempt = compiledUnder(catalog, policy, [ssn]);
    const newerRead = compiledUnder({}, policy, [email, ssn]);
    const newerPolicy = compiledUnder(catalog, [email, ssn], [email, ssn]);

    expect(exempt.rules).toEqual(["ssn"]);
    expect(new Set([all, exempt, newerRead, newerPolicy]).size).toBe(4);
    expect(calls.map((call) => call.rules)).toEqual([
      ["email", "ssn"],
      ["ssn"],
      ["email", "ssn"],
      ["email", "ssn"],
    ]);
  });

  it("compiles rules that are not the policy's own without keeping them", () => {
    const { calls, compiledUnder } = counted();
    const catalog = {};
    compiledUnder(catalog, policy, [{ name: "email" }]);
    compiledUnder(catalog, policy, [{ name: "email" }]);

    expect(calls).toHaveLength(2);
  });
});
