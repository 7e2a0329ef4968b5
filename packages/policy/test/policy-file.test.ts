import { readFileSync } from "node:fs";
import path from "node:path";
import { policyJsonSchema } from "@sluice/policy/policy-file";
import { readPolicyFile } from "@sluice/policy/read-policy-file";
import { describe, expect, it } from "vitest";

const DOCS = path.resolve(import.meta.dirname, "../../../docs");

describe("policy file docs stay true", () => {
  it("the complete example in docs/policy.md validates", () => {
    const markdown = readFileSync(path.join(DOCS, "policy.md"), "utf8");
    const example = /```yaml\n([\s\S]*?)```/.exec(markdown)?.[1] ?? "";
    const result = readPolicyFile(example);
    expect(result.ok ? [] : result.errors).toEqual([]);
    expect(result.ok && result.policy.connections[0]?.guardrails).toHaveLength(4);
  });

  it("docs/policy.schema.json is the schema the code generates", () => {
    const committed = JSON.parse(readFileSync(path.join(DOCS, "policy.schema.json"), "utf8"));
    expect(committed).toEqual(policyJsonSchema());
  });

  it("reports duplicate names and YAML syntax errors with a position", () => {
    const duplicate = readPolicyFile("version: 1\nagents:\n  - name: a\n  - name: a\n");
    expect(duplicate).toMatchObject({ ok: false, errors: [{ message: 'agent "a" appears twice' }] });
    const syntax = readPolicyFile("version: 1\nagents: [\n  - x\n");
    expect(syntax.ok).toBe(false);
    if (!syntax.ok) expect(syntax.errors[0]?.line).toBeGreaterThan(1);
  });
});
