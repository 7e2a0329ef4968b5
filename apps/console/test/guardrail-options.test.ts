import { describe, expect, it } from "vitest";
import { formOf, inputOf } from "../src/app/(console)/guardrails/guardrail-options";

const allowSetting = {
  id: "g1",
  name: "allow-timezone",
  connectionId: null,
  connectionName: null,
  kind: "SETTING" as const,
  effect: "ALLOW" as const,
  match: { settings: ["timezone"], values: ["UTC", "Europe/*"] },
  message: null,
  isEnabled: true,
};

describe("the guardrail form's reading of a saved rule", () => {
  it("sends back parameters it has no field for, so an edit never widens an ALLOW rule", () => {
    const form = formOf(allowSetting as Parameters<typeof formOf>[0]);
    const input = inputOf({ ...form, message: "edited" });
    expect(input.match).toEqual({ settings: ["timezone"], values: ["UTC", "Europe/*"] });
  });

  it("drops them when the kind changes (they meant something only to the old kind)", () => {
    const form = formOf(allowSetting as Parameters<typeof formOf>[0]);
    const input = inputOf({ ...form, kind: "STATEMENT_KIND", list: "drop" });
    expect(input.match).toEqual({ kinds: ["DROP"] });
  });
});
