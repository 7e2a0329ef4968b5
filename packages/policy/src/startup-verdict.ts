import type { ParsedStatements } from "@sluice/sql/facts";
import { evaluate, type SessionContext } from "./engine";
import type { ConnectionPolicy } from "./rules";
import type { Verdict } from "./verdict";

/**
 * A setting given at connect (a startup parameter, or `-c name=value` in `options`) is a SET the
 * session runs before its first statement: it is judged as exactly that statement, by every rule
 * that judges SET (DENY SETTING guardrails, privilege and read-only settings). A review cannot wait
 * at connect, so a setting that would need one is refused.
 */
export function judgeStartupSettings(
  policy: ConnectionPolicy,
  settings: ReadonlyArray<{ name: string; value: string }>,
  parse: (sql: string) => ParsedStatements,
  session: SessionContext,
): Extract<Verdict, { kind: "allow" | "deny" }> {
  for (const { name, value } of settings) {
    const sql = `SET "${name.toLowerCase().replaceAll('"', '""')}" TO '${value.replaceAll("'", "''")}'`;
    const verdict = evaluate(policy, parse(sql), session);
    if (verdict.kind === "allow") continue;
    const why =
      verdict.kind === "deny" ? verdict.message : `${verdict.message} (a review cannot wait at connect)`;
    return {
      kind: "deny",
      rule: verdict.rule,
      message: `the startup setting ${name}=${value} is refused as SET ${name} would be: ${why}`,
    };
  }
  return { kind: "allow" };
}
