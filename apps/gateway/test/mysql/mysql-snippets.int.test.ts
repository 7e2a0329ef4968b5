import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { mysqlSnippets } from "@sluice/console/connections/mysql-snippets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";
import { run } from "../support/run";

// Inside the gateway's package so that the mysql2 snippet's import resolves as in a user's project.
const SCRATCH = path.resolve(import.meta.dirname, "../../node_modules/.sluice-mysql-snippet-test");
/** Debian's Python, where PyMySQL and SQLAlchemy are installed. */
const PYTHON = "/usr/bin/python3";

let harness: MySqlHarness;
beforeAll(async () => {
  harness = await startMySqlHarness();
  mkdirSync(SCRATCH, { recursive: true });
});
afterAll(async () => {
  await harness?.stop();
  rmSync(SCRATCH, { recursive: true, force: true });
});

/** The console's snippet of that label for the harness agent, as the agent page shows it. */
function snippet(label: string, caFile: string | null = harness.caFile): string {
  const gateway = { host: "localhost", port: harness.port, caFile };
  const target = { agent: "agent-a", token: harness.token, connection: "shop" };
  const found = mysqlSnippets(gateway, target).find((each) => each.label === label);
  if (!found) throw new Error(`no snippet labelled ${label}`);
  return found.code;
}

/** Runs the snippet text with the real client; nothing from the environment helps it with TLS. */
async function runSnippet(label: string, caFile: string | null = harness.caFile) {
  const code = snippet(label, caFile);
  const env = { NODE_EXTRA_CA_CERTS: "", SSL_CERT_FILE: "" };
  if (label.startsWith("mysql")) {
    // --no-defaults must come first: no option file of the machine's may help the snippet.
    const command = `${code.replace(/^mysql /, "mysql --no-defaults ")} --batch --skip-column-names -e 'select 41 + 1'`;
    return run("bash", ["-c", command], { env });
  }
  if (label.startsWith("Node")) {
    const file = path.join(SCRATCH, `snippet-${Date.now()}.mjs`);
    writeFileSync(file, code);
    return run(process.execPath, [file], { env });
  }
  return run(PYTHON, ["-c", code], { env });
}

describe("the console's MySQL snippets, run as pasted", () => {
  it("the mysql CLI connects over verified TLS and runs a query", async () => {
    const result = await runSnippet("mysql / mariadb CLI");
    expect(result).toMatchObject({ code: 0, stdout: "42\n" });
  });

  it("mysql2 (Node) connects over verified TLS and runs a query", async () => {
    const result = await runSnippet("Node (mysql2)");
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("ok: 1");
  });

  it("PyMySQL connects over verified TLS and runs a query", async () => {
    const result = await runSnippet("Python (PyMySQL)");
    expect(result).toMatchObject({ code: 0, stdout: "(1,)\n" });
  });

  // SQLAlchemy's connect hook sends SET NAMES utf8mb4, which restates the charset Sluice pins.
  it("SQLAlchemy (mysql+pymysql://) connects over verified TLS and runs a query", async () => {
    expect(snippet("Python (SQLAlchemy)")).toContain('"mysql+pymysql://agent-a:');
    const result = await runSnippet("Python (SQLAlchemy)");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  // The verification is real: the same snippets with the system's CAs instead of Sluice's fail.
  for (const label of ["mysql / mariadb CLI", "Node (mysql2)", "Python (PyMySQL)", "Python (SQLAlchemy)"]) {
    it(`${label} refuses a gateway its CA did not sign`, async () => {
      const result = await runSnippet(label, "/etc/ssl/certs/ca-certificates.crt");
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/certificate|SSL|TLS/i);
    });
  }
});
