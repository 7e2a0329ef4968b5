/** Keys whose values never belong in logs, audit snapshots or API responses. */
const SECRET_KEY_PATTERN = /pass(word)?|secret|token|cipher|verifier|private.?key|api.?key/i;
export const REDACTED = "[redacted]";

/** `postgresql://user:secret@host/db` → `postgresql://user:***@host/db`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, "$1***@");
}

/** A deep copy with secret-looking keys replaced, for audit before/after snapshots. */
export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item)) as T;
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[key] =
      SECRET_KEY_PATTERN.test(key) && inner !== null && inner !== undefined ? REDACTED : redactSecrets(inner);
  }
  return out as T;
}
