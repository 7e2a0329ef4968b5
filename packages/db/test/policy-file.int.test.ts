import { randomBytes } from "node:crypto";
import { seedDemoPolicy } from "@sluice/db/demo/demo-policy";
import { applyPolicy } from "@sluice/db/policy/apply-policy";
import { exportPolicy } from "@sluice/db/policy/export-policy";
import { connectionSecretAad } from "@sluice/db/seed/create-connection";
import { readPolicyFile } from "@sluice/policy/read-policy-file";
import { writePolicyFile } from "@sluice/policy/write-policy-file";
import { decryptSecret } from "@sluice/secrets/secret-box";
import { afterAll, describe, expect, it } from "vitest";
import { createTestStore } from "../../../test/support";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function store() {
  const created = await createTestStore();
  cleanups.push(created.drop);
  return created;
}

function read(text: string) {
  const result = readPolicyFile(text);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.policy;
}

describe("policy as code", () => {
  it("round-trips the demo policy through export and apply without losing anything", async () => {
    const secretKey = randomBytes(32);
    const source = await store();
    await seedDemoPolicy(source.prisma, {
      upstream: { host: "127.0.0.1", port: 5432, password: "pw" },
      secretKey,
    });
    const exported = writePolicyFile(await exportPolicy(source.prisma));
    expect(exported).not.toContain("pw\n");
    expect(exported).toContain("no-unscoped-delete");

    const target = await store();
    await applyPolicy(target.prisma, {
      policy: read(exported),
      secretKey,
      env: { SLUICE_PASSWORD_DEMO_SHOP: "pw" },
    });
    const reExported = writePolicyFile(await exportPolicy(target.prisma));
    expect(reExported).toBe(exported);

    // The password came from the environment and is stored sealed, bound to the new row.
    const connection = await target.prisma.connection.findUniqueOrThrow({ where: { name: "demo_shop" } });
    expect(
      decryptSecret(connection.passwordCipher ?? "", secretKey, connectionSecretAad(connection.id)),
    ).toBe("pw");

    // Applying the same file again changes nothing.
    await applyPolicy(target.prisma, {
      policy: read(exported),
      secretKey,
      env: { SLUICE_PASSWORD_DEMO_SHOP: "pw" },
    });
    expect(writePolicyFile(await exportPolicy(target.prisma))).toBe(exported);
  });

  it("refuses an invalid file whole, with the line and the reason", () => {
    const text = [
      "version: 1",
      "connections:",
      "  - name: shop",
      "    host: db",
      "    port: 99999",
      "    database: shop",
      "    username: app",
      "    guardrails:",
      "      - name: no-drops",
      "        kind: STATEMENT_KIND",
      "        match: { kinds: [] }",
    ].join("\n");
    const result = readPolicyFile(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: 5, message: expect.stringContaining("connections.0.port") }),
        expect.objectContaining({
          line: 11,
          message: expect.stringContaining("connections.0.guardrails.0.match.kinds"),
        }),
      ]),
    );
    const broken = readPolicyFile("version: 1\nconnections: [\n");
    expect(broken.ok).toBe(false);
  });

  it("applies nothing when any part fails", async () => {
    const target = await store();
    const policy = read(
      [
        "version: 1",
        "connections:",
        "  - name: shop",
        "    host: db",
        "    port: 5432",
        "    database: shop",
        "    username: app",
        "    guardrails:",
        "      - { name: no-drops, kind: STATEMENT_KIND, match: { kinds: [DROP] } }",
        "    reviews:",
        "      - { name: r, match: { kinds: [DELETE] }, reviewerGroups: [nobody] }",
      ].join("\n"),
    );
    await expect(applyPolicy(target.prisma, { policy, secretKey: randomBytes(32), env: {} })).rejects.toThrow(
      /unknown reviewer group nobody/,
    );
    expect(await target.prisma.connection.count()).toBe(0);
    expect(await target.prisma.guardrailRule.count()).toBe(0);
  });
});
