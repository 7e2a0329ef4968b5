import { isPinnedSetting, keepsPinnedValue, PINNED_SETTINGS } from "./pinned-settings";
import type { ConnectionPolicy } from "./rules";
import { normalizeSettingValue } from "./setting-values";

/**
 * Which settings an agent may give at connect time (a startup parameter, or `-c name=value` in
 * `options`). Names are lower-case: the server matches setting names case-insensitively. A
 * startup parameter can set any setting the login may set, so anything not listed here needs an
 * ALLOW SETTING rule on the connection, naming the setting and, optionally, the values it allows.
 * The whole list, with the reason for each refusal, is in docs/policy.md "Connect-time parameters".
 */

/** What drivers send on their own; allowed on every connection (still judged as SET afterwards). */
export const BUILT_IN_CONNECT_SETTINGS: ReadonlySet<string> = new Set([
  "application_name",
  "datestyle",
  "timezone",
  "extra_float_digits",
  "intervalstyle",
  "search_path",
  "statement_timeout",
  "lock_timeout",
  "idle_in_transaction_session_timeout",
  "bytea_output",
  "geqo",
]);

/**
 * Settings no rule can allow at connect, with the reason the refusal gives. client_encoding and
 * standard_conforming_strings are pinned (pinned-settings.ts) and handled there: accepted at their
 * pinned value only.
 */
export const NEVER_AT_CONNECT: ReadonlyMap<string, string> = new Map([
  [
    "backslash_quote",
    "it changes how the server reads quotes in string literals, and Sluice must read every statement exactly as the server does",
  ],
  [
    "escape_string_warning",
    "it belongs to how the server reads string literals, which Sluice keeps as it reads them itself",
  ],
  ["role", "it changes who the session is; the pooled login is checked to be the connection's own role"],
  [
    "session_authorization",
    "it changes who the session is; the pooled login is checked to be the connection's own role",
  ],
  ["session_preload_libraries", "it loads code into the session that no statement judged"],
  ["local_preload_libraries", "it loads code into the session that no statement judged"],
]);

/** Settings an ALLOW SETTING rule may not name at all: it could never have an effect. */
export const NEVER_ALLOWABLE: ReadonlyMap<string, string> = new Map([
  [
    "client_encoding",
    "Sluice pins it to UTF8 so it reads statements exactly as the server does; no rule relaxes that",
  ],
  [
    "standard_conforming_strings",
    "Sluice pins it to on so it reads statements exactly as the server does; no rule relaxes that",
  ],
  ...[...NEVER_AT_CONNECT].filter(([name]) => name === "backslash_quote" || name === "escape_string_warning"),
]);

/**
 * A value against a value pattern: exact and case-sensitive, `*` standing for any run of
 * characters. ALLOW SETTING rules first bring both to the form the server compares
 * (setting-values.ts).
 */
export function matchesValuePattern(value: string, pattern: string): boolean {
  const parts = pattern.split("*");
  if (parts.length === 1) return value === pattern;
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = value.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

/** ALLOW SETTING rules of the policy that name this setting (lower-case). */
function allowRulesFor(policy: ConnectionPolicy, name: string) {
  return policy.guardrails.flatMap((rule) =>
    rule.effect === "ALLOW" &&
    rule.kind === "SETTING" &&
    rule.match.settings.some((p) => p.toLowerCase() === name)
      ? [rule]
      : [],
  );
}

export function isSettingNamedByAllowRule(policy: ConnectionPolicy, name: string): boolean {
  return allowRulesFor(policy, name).length > 0;
}

/**
 * Whether an ALLOW SETTING rule names this setting with this value (any value when the rule lists
 * none), compared as the server compares the setting's values (enum and boolean settings
 * case-insensitively, booleans by meaning; see setting-values.ts); a computed value (null) matches
 * only a rule without values.
 */
export function isSettingAllowedByRule(
  policy: ConnectionPolicy,
  name: string,
  value: string | null,
): boolean {
  const normalized = value === null ? null : normalizeSettingValue(name, value);
  return allowRulesFor(policy, name).some(
    ({ match }) =>
      match.values === undefined ||
      (normalized !== null &&
        match.values.some((pattern) =>
          matchesValuePattern(normalized, normalizeSettingValue(name, pattern)),
        )),
  );
}

/**
 * Why the policy does not let this setting be given at connect, or null when it does: built in,
 * or named by an ALLOW SETTING rule whose values (if it lists any) match. `name` is lower-case.
 * Without a policy only the built-in settings pass.
 */
export function connectSettingRefusal(
  policy: ConnectionPolicy | null,
  name: string,
  value: string,
): string | null {
  if (isPinnedSetting(name)) {
    return keepsPinnedValue(name, value) ? null : `${name} must be ${PINNED_SETTINGS[name]} through Sluice`;
  }
  const never = NEVER_AT_CONNECT.get(name);
  if (never) return `${name} can never be set at connect: ${never}`;
  if (BUILT_IN_CONNECT_SETTINGS.has(name)) return null;
  if (policy && isSettingAllowedByRule(policy, name, value)) return null;
  return policy && isSettingNamedByAllowRule(policy, name)
    ? `the value ${JSON.stringify(value)} is not one the connection's ALLOW SETTING rules allow for ${name}`
    : `no ALLOW SETTING rule of the connection names ${name}`;
}
