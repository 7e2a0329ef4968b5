/**
 * Settings that change how the server reads the bytes of a statement, pinned for every session so
 * the gateway's reading (UTF-8 text, PostgreSQL's lexer with standard strings) is the server's:
 *
 * - client_encoding: the server converts the client's bytes before it lexes them. In GBK, SJIS,
 *   BIG5, GB18030, JOHAB or UHC a multibyte character can end in 0x5C (a backslash) or 0x27 (a
 *   quote), so `E'<0xBF>\' ; DELETE ...'` is one literal to a UTF-8 reader and two statements to
 *   the server.
 * - standard_conforming_strings: off makes a backslash escape the quote in every '...' literal.
 *
 * PostgreSQL's lexer (scan.l) reads two more: backslash_quote and escape_string_warning, which only
 * raise an error or a warning and never move a literal's end, so they are left to the server.
 * The upstream login sends the pinned values, so RESET, RESET ALL, SET ... TO DEFAULT and DISCARD
 * ALL return to them; ALTER ROLE/DATABASE ... SET cannot override a startup parameter.
 * @see https://github.com/postgres/postgres/blob/master/src/backend/parser/scan.l
 */
export const PINNED_SETTINGS = {
  client_encoding: "UTF8",
  standard_conforming_strings: "on",
} as const;

export type PinnedSetting = keyof typeof PINNED_SETTINGS;

export function isPinnedSetting(name: string): name is PinnedSetting {
  return Object.hasOwn(PINNED_SETTINGS, name.toLowerCase());
}

/**
 * An encoding name as PostgreSQL compares it (clean_encoding_name: letters and digits only,
 * lower-cased), so `UTF-8`, `utf_8` and `Unicode` are all UTF8.
 */
export function cleanEncodingName(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, "").toLowerCase();
}

/** The names PostgreSQL's pg_encname_tbl gives UTF8. */
const UTF8_NAMES = new Set(["utf8", "unicode"]);

/**
 * Whether `value` sets the pinned setting to its pinned value, read as the server reads it:
 * an encoding by its cleaned name, a boolean by parse_bool (any prefix of true/yes, on, 1).
 */
export function keepsPinnedValue(name: PinnedSetting, value: string): boolean {
  if (name === "client_encoding") return UTF8_NAMES.has(cleanEncodingName(value));
  const lower = value.toLowerCase();
  if (lower === "") return false;
  return "true".startsWith(lower) || "yes".startsWith(lower) || lower === "on" || lower === "1";
}

/**
 * Why a setting change must be refused, or null when it keeps the pinned reading. `name` is
 * lower-case; "*" is a name the gateway cannot know (a computed set_config name, pg_settings).
 * A null value is a RESET (back to the login's pinned value) when `isReset`, else computed.
 */
export function pinnedSettingRefusal(name: string, value: string | null, isReset: boolean): string | null {
  if (name === "*") {
    return "a setting whose name is computed could be client_encoding or standard_conforming_strings, which Sluice pins so it reads statements exactly as the server does";
  }
  if (!isPinnedSetting(name) || isReset) return null;
  const pinned = PINNED_SETTINGS[name];
  if (value !== null && keepsPinnedValue(name, value)) return null;
  return `${name} is pinned to ${pinned} by Sluice: another value would make the server read statements differently from the gateway${value === null ? " (here the value is computed)" : ` (asked for ${value})`}`;
}
