import type { SettingChange } from "@sluice/sql/facts";
import { type AstNode, isNode, nameText } from "./ast-walk";

/** The written row's names in a trigger body: `SET NEW.x = …` assigns a column, not a variable. */
const ROW_NAMES = new Set(["new", "old"]);

/**
 * The system variables a `CREATE TRIGGER … SET …` body assigns, each a setting of the session
 * whose write fires it. A one-statement body declares no local variable, so every name it sets that
 * is not `NEW.x`/`OLD.x` is a system variable, and the server keeps some of them past the trigger:
 * it restores sql_mode and the client character set after the body runs, but not
 * character_set_results, which then changes how every later row reaches the gateway (a `utf16`
 * row slips past the content detectors). Read here as SET is read, at CREATE, so the same pinned
 * refusal and setting rules apply before the body can run.
 * @see https://mariadb.com/kb/en/create-trigger/
 */
export function triggerBodySettings(ast: AstNode): SettingChange[] {
  if (ast.type !== "create" || String(ast.keyword).toLowerCase() !== "trigger") return [];
  const body = ast.execute;
  if (!isNode(body) || body.type !== "set" || !Array.isArray(body.expr)) return [];
  const settings: SettingChange[] = [];
  for (const assignment of body.expr) {
    if (!isNode(assignment)) continue;
    const qualifier = nameText(assignment.table);
    if (qualifier !== null && ROW_NAMES.has(qualifier.toLowerCase())) continue;
    const column = nameText(assignment.column) ?? "*";
    const name = (qualifier === null ? column : `${qualifier}.${column}`).toLowerCase();
    const value = isNode(assignment.value) ? assignment.value.value : null;
    settings.push({ name, value: typeof value === "string" ? value : null, via: "SET" });
  }
  return settings;
}
