import { readPolicyFile } from "@sluice/policy/read-policy-file";
import { describe, expect, it } from "vitest";

const connection = (fields: string) =>
  `version: 1\nconnections:\n  - name: shop\n    host: h\n    port: 5432\n    database: d\n    username: u\n${fields}`;

describe("the policy file speaks the API's field names", () => {
  it("reads isReadOnly, tlsMode and the other API names", () => {
    const read = readPolicyFile(
      connection(
        "    isReadOnly: true\n    isStrictMasking: true\n    isDisabled: true\n    tlsMode: VERIFY_FULL\n    tlsCaPem: PEM\n    tlsServerName: db\n",
      ),
    );
    expect(read.ok && read.policy.connections[0]).toMatchObject({
      isReadOnly: true,
      isStrictMasking: true,
      isDisabled: true,
      tlsMode: "VERIFY_FULL",
      tlsCaPem: "PEM",
      tlsServerName: "db",
    });
  });

  it("still reads the deprecated spellings, into the same fields", () => {
    const read = readPolicyFile(
      connection(
        "    readOnly: true\n    strictMasking: true\n    disabled: true\n    tls:\n      mode: REQUIRE\n      serverName: db\n",
      ),
    );
    const parsed = read.ok ? read.policy.connections[0] : null;
    expect(parsed).toMatchObject({
      isReadOnly: true,
      isStrictMasking: true,
      isDisabled: true,
      tlsMode: "REQUIRE",
      tlsServerName: "db",
    });
    expect(parsed).not.toHaveProperty("readOnly");
    expect(parsed).not.toHaveProperty("tls");
    const agent = readPolicyFile("version: 1\nagents:\n  - name: bot\n    disabled: true\n");
    expect(agent.ok && agent.policy.agents[0]?.isDisabled).toBe(true);
  });

  it("defaults to PREFER and writable when neither spelling is given", () => {
    const read = readPolicyFile(connection(""));
    expect(read.ok && read.policy.connections[0]).toMatchObject({ tlsMode: "PREFER", isReadOnly: false });
  });

  it("refuses a file whose two spellings of a field disagree, with the line", () => {
    const read = readPolicyFile(connection("    isReadOnly: true\n    readOnly: false\n"));
    expect(read).toMatchObject({
      ok: false,
      errors: [{ line: 9, message: expect.stringContaining("disagrees with isReadOnly") }],
    });
    const tls = readPolicyFile(connection("    tlsMode: VERIFY_FULL\n    tls:\n      mode: DISABLE\n"));
    expect(tls.ok).toBe(false);
    expect(readPolicyFile(connection("    isReadOnly: true\n    readOnly: true\n")).ok).toBe(true);
  });

  it("uses the API's name pattern: no ':' (it would split user from password in a URL)", () => {
    expect(readPolicyFile("version: 1\nagents:\n  - name: team:bot\n").ok).toBe(false);
    expect(readPolicyFile("version: 1\nagents:\n  - name: -bot\n").ok).toBe(false);
    expect(readPolicyFile("version: 1\nagents:\n  - name: team.bot_1-a\n").ok).toBe(true);
  });
});
