import { parseMySql } from "@sluice/mysql-sql/parse";
import { describe, expect, it } from "vitest";
import { evaluate } from "../src/engine";
import type { ConnectionPolicy } from "../src/rules";

const policy: ConnectionPolicy = { connectionName: "shop", isReadOnly: false, guardrails: [], reviews: [] };
const session = { searchPath: ["app"], implicitSchemas: new Set<string>(), prepared: new Map() };
const judge = (sql: string, with_: Partial<ConnectionPolicy> = {}) =>
  evaluate({ ...policy, ...with_ }, parseMySql(sql), session);

describe("MySQL functions by knowledge", () => {
  it("allows MySQL built-ins PostgreSQL does not have", () => {
    expect(judge("SELECT IFNULL(a, 1), DATE_FORMAT(b, '%Y'), GROUP_CONCAT(c) FROM t").kind).toBe("allow");
  });

  it("refuses LOAD_FILE, SLEEP, BENCHMARK and unknown functions, naming the rule", () => {
    expect(judge("SELECT LOAD_FILE('/etc/passwd')")).toMatchObject({
      kind: "deny",
      rule: "sluice:server-files",
    });
    expect(judge("SELECT SLEEP(1)")).toMatchObject({ kind: "deny", rule: "sluice:stalls-server" });
    expect(judge("SELECT BENCHMARK(10, 1)")).toMatchObject({ kind: "deny", rule: "sluice:stalls-server" });
    expect(judge("SELECT sys_exec('id')")).toMatchObject({ kind: "deny", rule: "sluice:unknown-function" });
    expect(judge("SELECT app.lower(a) FROM t")).toMatchObject({
      kind: "deny",
      rule: "sluice:unknown-function",
    });
  });

  it("reads NOT (…) as the operator, calling nothing; a backquoted or qualified not() is a function", () => {
    expect(judge("SELECT a FROM t WHERE NOT (a = 1)").kind).toBe("allow");
    expect(judge("DELETE FROM t WHERE not(a <> 1)").kind).toBe("allow");
    expect(judge("SELECT `not`(a) FROM t")).toMatchObject({ kind: "deny", rule: "sluice:unknown-function" });
    expect(judge("SELECT app.not(a) FROM t")).toMatchObject({
      kind: "deny",
      rule: "sluice:unknown-function",
    });
  });

  it("lets an ALLOW FUNCTION guardrail allow a stored function by name", () => {
    const allowed = judge("SELECT my_func(1)", {
      guardrails: [
        { name: "allow-mine", kind: "FUNCTION", effect: "ALLOW", match: { functions: ["my_func"] } },
      ],
    });
    expect(allowed.kind).toBe("allow");
  });

  it("judges MISSING_WHERE and READ_ONLY on MySQL facts unchanged", () => {
    const missingWhere: Partial<ConnectionPolicy> = {
      guardrails: [{ name: "scoped", kind: "MISSING_WHERE", effect: "DENY", match: { kinds: ["DELETE"] } }],
    };
    expect(judge("DELETE FROM t", missingWhere)).toMatchObject({ kind: "deny", rule: "scoped" });
    expect(judge("DELETE FROM t WHERE id = 1", missingWhere).kind).toBe("allow");
    expect(judge("INSERT INTO t VALUES (1)", { isReadOnly: true }).kind).toBe("deny");
    expect(judge("SELECT * FROM t", { isReadOnly: true }).kind).toBe("allow");
  });

  it("refuses server files in MySQL's own words, never COPY's", () => {
    for (const sql of ["SELECT a FROM t INTO OUTFILE '/tmp/x'", "LOAD DATA INFILE '/tmp/x' INTO TABLE t"]) {
      const verdict = judge(sql);
      expect(verdict).toMatchObject({ kind: "deny", rule: "sluice:server-files" });
      if (verdict.kind !== "deny") continue;
      expect(verdict.message).toMatch(/INTO OUTFILE/);
      expect(`${verdict.message} ${verdict.hint}`).not.toMatch(/COPY/);
    }
  });
});
