import { randomBytes } from "node:crypto";
import { applyPolicy } from "@sluice/db/policy/apply-policy";
import { exportPolicy } from "@sluice/db/policy/export-policy";
import { readPolicyFile } from "@sluice/policy/read-policy-file";
import { writePolicyFile } from "@sluice/policy/write-policy-file";
import { afterAll, describe, expect, it } from "vitest";
import { createTestStore } from "../../../test/support";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const POLICY = `version: 1
agents:
  - name: reporting-bot
    groups: [analysts]
    workloadIdentity:
      issuer: https://kubernetes.default.svc.cluster.local
      jwksUri: https://k8s.example.test/openid/v1/jwks
      audience: sluice
      subject: system:serviceaccount:shop:reporting-bot
      claims:
        kubernetes.io/namespace: shop
      groupsClaim: groups
`;

describe("workload identity in the policy file", () => {
  it("applies to the agent's columns and exports back the same", async () => {
    const store = await createTestStore();
    cleanups.push(store.drop);
    const read = readPolicyFile(POLICY);
    if (!read.ok) throw new Error(JSON.stringify(read.errors));
    const summary = await applyPolicy(store.prisma, {
      policy: read.policy,
      secretKey: randomBytes(32),
      env: {},
    });
    // A workload-only agent needs no static token, so no warning about a missing one.
    expect(summary.warnings).toEqual([]);
    const agent = await store.prisma.agent.findUniqueOrThrow({ where: { name: "reporting-bot" } });
    expect(agent).toMatchObject({
      workloadIssuer: "https://kubernetes.default.svc.cluster.local",
      workloadAudience: "sluice",
      workloadSubject: "system:serviceaccount:shop:reporting-bot",
      workloadClaims: { "kubernetes.io/namespace": "shop" },
      workloadGroupsClaim: "groups",
    });
    const exported = writePolicyFile(await exportPolicy(store.prisma));
    const again = readPolicyFile(exported);
    if (!again.ok) throw new Error(JSON.stringify(again.errors));
    expect(again.policy.agents[0]?.workloadIdentity).toEqual(read.policy.agents[0]?.workloadIdentity);
  });

  it("refuses keys over plain http from another machine, a missing subject and unknown fields", () => {
    for (const [change, path] of [
      ["issuer: https://kubernetes.default.svc.cluster.local", "issuer: http://idp.example.test"],
      ["      subject: system:serviceaccount:shop:reporting-bot\n", ""],
      ["      groupsClaim: groups", "      groupsClaim: groups\n      allowAnySubject: true"],
    ] as const) {
      const result = readPolicyFile(POLICY.replace(change, path));
      expect(result.ok).toBe(false);
    }
  });

  it("refuses a file that gives two enabled agents one identity, applying nothing", async () => {
    const store = await createTestStore();
    cleanups.push(store.drop);
    const twin = POLICY.replace("  - name: reporting-bot", "  - name: reporting-bot-twin").replace(
      "audience: sluice",
      "audience: another-audience",
    );
    const read = readPolicyFile(`${POLICY}${twin.slice(twin.indexOf("  - name:"))}`);
    if (!read.ok) throw new Error(JSON.stringify(read.errors));
    expect(read.policy.agents).toHaveLength(2);
    const applying = applyPolicy(store.prisma, { policy: read.policy, secretKey: randomBytes(32), env: {} });
    await expect(applying).rejects.toThrow(
      /^agent reporting-bot-twin: workloadIdentity\.subject: agent reporting-bot already accepts tokens/,
    );
    expect(await store.prisma.agent.count()).toBe(0);
    // The twin disabled accepts no token: the file applies.
    const disabled = readPolicyFile(
      `${POLICY}${twin.slice(twin.indexOf("  - name:")).replace("    groups:", "    isDisabled: true\n    groups:")}`,
    );
    if (!disabled.ok) throw new Error(JSON.stringify(disabled.errors));
    await applyPolicy(store.prisma, { policy: disabled.policy, secretKey: randomBytes(32), env: {} });
    expect(await store.prisma.agent.count({ where: { isDisabled: false } })).toBe(1);
  });
});
