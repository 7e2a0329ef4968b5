import type { ParsedStatements } from "@sluice/sql/facts";
import { connectSettingRefusal, NEVER_AT_CONNECT } from "./connect-settings";
import { evaluate, type SessionContext } from "./engine";
import { isPinnedSetting } from "./pinned-settings";
import type { ConnectionPolicy } from "./rules";
import type { Verdict } from "./verdict";

export type StartupSetting = { name: string; value: string };

type Judged = Extract<Verdict, { kind: "allow" | "deny" }>;

/** The rule a setting no ALLOW SETTING rule lets through at connect is refused under. */
export const CONNECT_SETTING_RULE = "sluice:connect-setting";

/**
 * Settings given at connect (startup parameters, `-c name=value` in `options`), judged before the
 * upstream login. Each must first be one the connection lets agents give at connect: built in, or
 * named (with a matching value) by an ALLOW SETTING rule. Then it is a SET the session runs before
 * its first statement, judged as exactly that statement by every rule that judges SET (DENY
 * SETTING guardrails, privilege and read-only settings). A review cannot wait at connect, so a
 * setting that would need one is refused.
 */
export function judgeStartupSettings(
  policy: ConnectionPolicy,
  settings: readonly StartupSetting[],
  parse: (sql: string) => ParsedStatements,
  session: SessionContext,
): Judged {
  const notAllowed = judgeStartupNames(policy, settings);
  if (notAllowed.kind === "deny") return notAllowed;
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

/**
 * Only whether each setting may be given at connect at all: what a gateway without a policy
 * engine (null policy: the built-in settings only) and the engine's first step both ask.
 */
export function judgeStartupNames(
  policy: ConnectionPolicy | null,
  settings: readonly StartupSetting[],
): Judged {
  for (const { name, value } of settings) {
    const lower = name.toLowerCase();
    const why = connectSettingRefusal(policy, lower, value);
    if (why === null) continue;
    const where = policy ? ` on connection ${policy.connectionName}` : "";
    const isRelaxable = !NEVER_AT_CONNECT.has(lower) && !isPinnedSetting(lower);
    return {
      kind: "deny",
      rule: CONNECT_SETTING_RULE,
      message: `the startup setting ${name} is not allowed${where}: ${why}`,
      hint: isRelaxable
        ? `remove it from the connection string, or ask an admin for an ALLOW SETTING guardrail (settings: [${lower}], values: the values agents may give); see docs/policy.md "Connect-time parameters"`
        : "remove it from the connection string",
    };
  }
  return { kind: "allow" };
}
