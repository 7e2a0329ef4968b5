// The engine's fail-closed defaults (Sluice's built-in rules) and the policy's allow lists.

import { defaultRuleHint } from "@sluice/agent-guidance/agent-guidance";
import type { StatementFacts, TableRef } from "@sluice/sql/facts";
import { normalizeKindName } from "@sluice/sql/statement-kinds";
import {
  PRIVILEGE_SETTINGS,
  PRIVILEGED_KINDS,
  QUERY_TEXT_RELATIONS,
  READ_ONLY_KINDS,
  READ_ONLY_SETTINGS,
  VALUE_REVEALING_RELATIONS,
} from "./builtins";
import { isSettingAllowedByRule, isSettingNamedByAllowRule } from "./connect-settings";
import type { PolicyVerdict, SessionContext } from "./engine";
import { denied, describe, formatTable } from "./engine-rules";
import { refusedCall } from "./function-calls";
import { matchesTablePattern } from "./patterns";
import { pinnedSettingRefusal } from "./pinned-settings";
import type { ConnectionPolicy } from "./rules";
import { settingsWrittenThroughViews } from "./upstream-code";

export function checkBuiltins(
  policy: ConnectionPolicy,
  facts: StatementFacts,
  session: SessionContext,
): PolicyVerdict | null {
  for (const opaque of facts.opaque) {
    const kindAllowed = allowsKind(policy, opaque.construct === "DO block" ? "DO" : facts.kind);
    if (!kindAllowed) {
      const rule =
        opaque.construct === "DO block" || opaque.construct === "function body"
          ? "sluice:hidden-sql"
          : "sluice:unmodeled";
      return builtin(policy, rule, `${opaque.construct}: ${opaque.reason}`);
    }
  }
  for (const kind of facts.kinds) {
    if ((PRIVILEGED_KINDS as readonly string[]).includes(kind) && !allowsKind(policy, kind)) {
      return builtin(
        policy,
        "sluice:privilege-change",
        `${kind} changes privileges or loads code, which agents may not do`,
      );
    }
  }
  if (
    facts.serverFileAccess &&
    !allowsKind(policy, facts.serverFileAccess === "program" ? "COPY PROGRAM" : "COPY FILE")
  ) {
    return builtin(policy, "sluice:server-files", serverFilesWhat(facts), facts.dialect);
  }
  const revealing = valueRevealingRead(policy, facts);
  if (revealing) return builtin(policy, "sluice:catalog-values", revealing);
  // A write through a view over pg_settings sets settings as a write to pg_settings does.
  const settings = [...facts.settings, ...settingsWrittenThroughViews(facts, session.upstreamCode)];
  for (const setting of settings) {
    if (
      (PRIVILEGE_SETTINGS as readonly string[]).includes(setting.name) &&
      // RESET goes back to the login's own value; anything else must be a value the rule allows.
      !(setting.via === "RESET"
        ? isSettingNamedByAllowRule(policy, setting.name)
        : isSettingAllowedByRule(policy, setting.name, setting.value))
    ) {
      const what =
        setting.via === "pg_settings"
          ? "writing pg_settings, or making or writing a view over it (it sets any setting, as SET does)"
          : setting.name === "*"
            ? "set_config() with a computed setting name"
            : `changing ${setting.name}`;
      return builtin(policy, "sluice:privilege-change", `${what} could change who the session is`);
    }
  }
  // Not relaxable by any rule: the gateway's reading of every later statement depends on these.
  for (const setting of settings) {
    const why = pinnedSettingRefusal(setting.name, setting.value, setting.via === "RESET");
    if (why) return builtin(policy, "sluice:pinned-setting", why);
  }
  // Every call, by what the function is known to do; one the gateway cannot place is refused. Last,
  // so a more specific default (a computed set_config name) speaks first.
  const call = refusedCall(policy, facts, session);
  if (call) return builtin(policy, call.rule, call.what);
  return null;
}

/**
 * A read of planner statistics or of other sessions' query text. Unqualified names resolve to
 * pg_catalog first, as the server resolves them (pg_catalog is searched before the path). Functions
 * that return such values are classified with every other call (function-calls.ts).
 */
function valueRevealingRead(policy: ConnectionPolicy, facts: StatementFacts): string | null {
  for (const table of facts.tablesRead) {
    const name = `${table.schema ?? "pg_catalog"}.${table.name}`;
    const why =
      VALUE_REVEALING_RELATIONS.get(name) ??
      ((QUERY_TEXT_RELATIONS as readonly string[]).includes(table.name)
        ? "shows the query text of every session"
        : null);
    if (why && !allowsTable(policy, name)) return `${name} ${why}, which would get around masking`;
  }
  return null;
}

export function checkReadOnly(policy: ConnectionPolicy, facts: StatementFacts): PolicyVerdict | null {
  const rule = policy.guardrails.find((r) => r.kind === "READ_ONLY" && r.effect === "DENY");
  if (!policy.isReadOnly && !rule) return null;
  const refuse = (what: string) =>
    rule ? denied(policy, rule, what) : builtin(policy, "sluice:read-only", what);
  const write = facts.kinds.find((kind) => !READ_ONLY_KINDS.has(kind));
  if (write) return refuse(`${write} writes, and the connection is read-only`);
  if (facts.tablesWritten.length > 0)
    return refuse(
      `${describe(facts)} writes ${formatTable(facts.tablesWritten[0] as TableRef)}, and the connection is read-only`,
    );
  if (facts.requestsReadWrite)
    return refuse("READ WRITE transactions are not allowed on a read-only connection");
  const disarm = facts.settings.find((setting) =>
    (READ_ONLY_SETTINGS as readonly string[]).includes(setting.name),
  );
  if (disarm) return refuse(`changing ${disarm.name} would disarm the connection's read-only mode`);
  return null;
}

/**
 * ALLOW names kinds exactly, families never: an ALLOW relaxes a default only for what it names,
 * so ALLOW CREATE TABLE does not let CREATE TABLE AS through, nor ALLOW CREATE a CREATE FUNCTION.
 */
function allowsKind(policy: ConnectionPolicy, kind: string): boolean {
  return policy.guardrails.some(
    (rule) =>
      rule.effect === "ALLOW" &&
      rule.kind === "STATEMENT_KIND" &&
      rule.match.kinds.some((k) => normalizeKindName(k) === kind),
  );
}

function allowsTable(policy: ConnectionPolicy, qualified: string): boolean {
  return policy.guardrails.some(
    (rule) =>
      rule.effect === "ALLOW" &&
      rule.kind === "TABLE" &&
      rule.match.tables.some((p) => matchesTablePattern(qualified, p)),
  );
}

/** Why a statement that reaches the server's files is refused, in its own dialect's terms. */
function serverFilesWhat(facts: StatementFacts): string {
  if (facts.dialect === "mysql") {
    return "SELECT ... INTO OUTFILE/DUMPFILE and LOAD DATA INFILE reach the database server's files";
  }
  const reached = facts.serverFileAccess === "program" ? "shell" : "files";
  return `COPY with a server-side ${facts.serverFileAccess} reaches the database server's ${reached}; use COPY ... TO STDOUT / FROM STDIN`;
}

export function builtin(
  policy: ConnectionPolicy,
  rule: string,
  what: string,
  dialect?: StatementFacts["dialect"],
): PolicyVerdict {
  return {
    kind: "deny",
    rule,
    message: `blocked by Sluice default "${rule}" on connection ${policy.connectionName}: ${what}`,
    hint: defaultRuleHint(rule, dialect),
  };
}
