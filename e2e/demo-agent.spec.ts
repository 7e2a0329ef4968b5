import { expect, test } from "@playwright/test";
import { demoUrl, run, runSluice } from "./support";

test("[AGENT] the demo agent's connection string works in psql with verify-full and the demo guardrails stop it", async () => {
  const url = demoUrl();
  const ok = await run("psql", ["-X", "-Atc", "SELECT count(*) FROM customers", url]);
  expect(ok.stderr).toBe("");
  expect(Number(ok.stdout.trim())).toBeGreaterThanOrEqual(1000);

  const unscoped = await run("psql", ["-X", "-c", "DELETE FROM orders", url]);
  expect(unscoped.stderr).toContain(
    'ERROR:  blocked by guardrail "no-unscoped-delete" on connection demo_shop: DELETE on public.orders has no WHERE clause',
  );
  const hidden = await run("psql", [
    "-X",
    "-c",
    "WITH x AS (DELETE FROM orders RETURNING 1) SELECT count(*) FROM x",
    url,
  ]);
  expect(hidden.stderr).toContain('blocked by guardrail "no-unscoped-delete"');
  const drop = await run("psql", ["-X", "-c", "/* cleanup */ drop TABLE orders", url]);
  expect(drop.stderr).toContain(
    'blocked by guardrail "no-drop-truncate" on connection demo_shop: DROP is not allowed',
  );
  const file = await run("psql", ["-X", "-c", "SELECT pg_read_file('/etc/passwd')", url]);
  expect(file.stderr).toContain('blocked by guardrail "no-file-functions"');
  const still = await run("psql", ["-X", "-Atc", "SELECT count(*) > 0 FROM orders", url]);
  expect(still.stdout.trim()).toBe("t");
});

test("[AGENT] the demo agent sees placeholders for the demo's sensitive columns", async () => {
  const url = demoUrl();
  const rows = await run("psql", [
    "-X",
    "-At",
    "-F",
    "|",
    "-c",
    "SELECT first_name, ssn, email, card_number FROM customers ORDER BY id LIMIT 3",
    url,
  ]);
  const lines = rows.stdout.trim().split("\n");
  expect(lines).toHaveLength(3);
  for (const line of lines) {
    const [firstName, ssn, email, card] = line.split("|");
    expect(firstName).toMatch(/^\p{L}+$/u);
    expect(ssn).toBe("[REDACTED]");
    expect(email).toMatch(/^h_[0-9a-f]{16}$/);
    expect(card).toMatch(/^\*{12}\d{4}$/);
  }
  const phrased = await run("psql", [
    "-X",
    "-At",
    "-c",
    "SELECT upper(ssn) || '' FROM customers c ORDER BY id LIMIT 1",
    url,
  ]);
  expect(phrased.stdout.trim()).toBe("[REDACTED]");
});

test("[OPERATOR] a second start on a port in use fails with one line naming the port and the setting", async () => {
  const consolePort = new URL(test.info().project.use.baseURL ?? "http://localhost:3100").port;
  const result = await runSluice(["start"], {
    SLUICE_HOME: "/tmp/sluice-e2e-second",
    SLUICE_CONSOLE_PORT: consolePort,
  });
  expect(result.code).toBe(1);
  expect(result.stderr.trim()).toBe(
    `sluice: port ${consolePort} is already in use; set SLUICE_CONSOLE_PORT to use another port`,
  );
});
