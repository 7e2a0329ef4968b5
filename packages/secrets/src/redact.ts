import { AGENT_TOKEN_PREFIX } from "./agent-token";

/** What a secret value becomes in logs, audit snapshots and API responses. */
export const REDACTED = "[redacted]";
/** What a URL's password becomes, the convention psql and most drivers use. */
const URL_PASSWORD_MASK = "***";

/** A scheme://… run of text, up to whitespace or a quote that would end it in a log line. */
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]*/gi;
/** libpq also takes the password as a query parameter. */
const QUERY_PASSWORD = /([?&]password=)[^&#]*/gi;
/** Agent tokens, wherever they appear in free text (a pasted connection string, an error). */
const AGENT_TOKEN_IN_TEXT = new RegExp(`${AGENT_TOKEN_PREFIX}[A-Za-z0-9_-]{43,}`, "g");

/** Found anywhere in a key (separators removed): unmistakably secret, even inside `sslpassword`. */
const SECRET_KEY_PARTS = ["password", "passwd", "passphrase", "secret", "credential", "apikey", "privatekey"];
/** Secret only as a whole word, so `bypass` or `tokenizer` stay visible. */
const SECRET_KEY_WORDS = new Set([
  "pass",
  "pwd",
  "token",
  "tokens",
  "cipher",
  "ciphertext",
  "verifier",
  "cookie",
]);
/** A last word that makes the key a public fact about a secret: `tokenFingerprint`, `passwordSetAt`. */
const PUBLIC_LAST_WORDS = new Set(["fingerprint", "prefix", "id", "ids", "at", "count", "length", "hint"]);

/**
 * Masks passwords in connection URLs: `postgresql://user:SECRET@host/db` -> `postgresql://user:***@host/db`,
 * and `?password=` parameters. Works on a bare URL or on URLs inside a longer text.
 *
 * The user info is taken to end at the last '@', not the first, so an unencoded '@', '/' or '?' in a
 * password is masked too; an '@' later in the URL (an e-mail in the query) masks more than needed,
 * which is the safe direction.
 */
export function redactUrl(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => {
    const authorityStart = url.indexOf("://") + 3;
    const at = url.lastIndexOf("@");
    const colon = url.indexOf(":", authorityStart);
    const withoutUserPassword =
      at > authorityStart && colon >= 0 && colon < at
        ? `${url.slice(0, colon + 1)}${URL_PASSWORD_MASK}${url.slice(at)}`
        : url;
    return withoutUserPassword.replace(QUERY_PASSWORD, `$1${URL_PASSWORD_MASK}`);
  });
}

/** Masks URL passwords and agent tokens in free text (error messages, statements, notes). */
export function redactText(text: string): string {
  return redactUrl(text).replace(AGENT_TOKEN_IN_TEXT, REDACTED);
}

/**
 * A deep copy for audit before/after snapshots: values under secret-looking keys become REDACTED
 * (null and booleans stay, they carry no secret and say whether one is set) and every other string
 * goes through redactText. Only plain objects and arrays are walked; a cycle becomes REDACTED.
 */
export function redactSecrets<T>(value: T): T {
  return redactValue(value, new Set()) as T;
}

export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const joined = words.join("");
  const isSecret =
    SECRET_KEY_PARTS.some((part) => joined.includes(part)) ||
    words.some((word) => SECRET_KEY_WORDS.has(word));
  const lastWord = words[words.length - 1] ?? "";
  return isSecret && !(words.length > 1 && PUBLIC_LAST_WORDS.has(lastWord));
}

function redactValue(value: unknown, ancestors: Set<object>): unknown {
  if (typeof value === "string") return redactText(value);
  if (value === null || typeof value !== "object") return value;
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (ancestors.has(value)) return REDACTED;
  ancestors.add(value);
  const copy = Array.isArray(value)
    ? value.map((item) => redactValue(item, ancestors))
    : Object.fromEntries(
        Object.entries(value).map(([key, inner]) => [
          key,
          isSecretKey(key) && inner !== null && inner !== undefined && typeof inner !== "boolean"
            ? REDACTED
            : redactValue(inner, ancestors),
        ]),
      );
  ancestors.delete(value);
  return copy;
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
