/**
 * Why the gateway will not read a request: an HTTP status, the reading that failed, and what the
 * agent can do instead. The same shape as a rule's verdict, so the agent sees one kind of message.
 */
export type Refusal = { status: number; rule: string; message: string; hint?: string };

export type Reading<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

export function refuse(
  status: number,
  rule: string,
  message: string,
  hint?: string,
): { ok: false; refusal: Refusal } {
  return { ok: false, refusal: { status, rule, message, ...(hint ? { hint } : {}) } };
}
