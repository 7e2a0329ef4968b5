import { BOOL_SETTINGS, ENUM_SETTINGS } from "./generated/setting-value-kinds";

/**
 * A setting's value as the server compares it, so an ALLOW SETTING rule's `values` mean what the
 * server would make of them: `client_min_messages=WARNING` is the rule's `warning`, `jit=TRUE` its
 * `on`. Only spellings the server itself treats as one value are made equal; anything the server
 * keeps as given (a search_path, an application_name, a custom setting) is compared exactly.
 * @see https://www.postgresql.org/docs/current/config-setting.html#CONFIG-SETTING-NAMES-VALUES
 */
export type SettingValueKind = "bool" | "enum" | "keywords" | "exact";

/**
 * String settings the server reads as a comma-separated list of keywords, each compared
 * case-insensitively (check_datestyle uses pg_strcasecmp on every item of the list).
 */
const KEYWORD_LIST_SETTINGS: ReadonlySet<string> = new Set(["datestyle"]);

/** How the server reads values of this setting (`name` in any case). */
export function settingValueKind(name: string): SettingValueKind {
  const lower = name.toLowerCase();
  if (BOOL_SETTINGS.has(lower)) return "bool";
  if (ENUM_SETTINGS.has(lower)) return "enum";
  if (KEYWORD_LIST_SETTINGS.has(lower)) return "keywords";
  return "exact";
}

/**
 * A boolean as parse_bool reads it: case-insensitive, any unambiguous prefix of true/false/yes/no,
 * on, off (at least "of"), 1 and 0; null when the server would refuse it. No trimming: the
 * server does not trim a setting's value either.
 * @see https://github.com/postgres/postgres/blob/master/src/backend/utils/adt/bool.c
 */
export function parseServerBool(value: string): boolean | null {
  const lower = value.toLowerCase();
  if (lower === "") return null;
  if ("true".startsWith(lower) || "yes".startsWith(lower) || lower === "on" || lower === "1") return true;
  if ("false".startsWith(lower) || "no".startsWith(lower) || lower === "0") return false;
  if (lower.length >= 2 && "off".startsWith(lower)) return false;
  return null;
}

/**
 * Enum settings accept the full boolean words as hidden aliases of their on/off values
 * (guc_tables.c: synchronous_commit, huge_pages, constraint_exclusion …); only full words, not
 * parse_bool's prefixes.
 */
const ENUM_BOOLEAN_ALIASES: ReadonlyMap<string, string> = new Map([
  ["true", "on"],
  ["yes", "on"],
  ["1", "on"],
  ["false", "off"],
  ["no", "off"],
  ["0", "off"],
]);

/**
 * The value in the form the comparison uses. A pattern goes through the same function, so a rule
 * written `values: [WARNING]` or `values: [Warn*]` reads as the server would; a `*` survives every
 * normalization, since none of them touch it.
 */
export function normalizeSettingValue(name: string, value: string): string {
  switch (settingValueKind(name)) {
    case "bool": {
      const parsed = value.includes("*") ? null : parseServerBool(value);
      return parsed === null ? value.toLowerCase() : parsed ? "on" : "off";
    }
    case "enum": {
      const lower = value.toLowerCase();
      return ENUM_BOOLEAN_ALIASES.get(lower) ?? lower;
    }
    case "keywords":
      return value
        .split(",")
        .map((item) => item.trim().toLowerCase())
        .join(", ");
    case "exact":
      return value;
  }
}
