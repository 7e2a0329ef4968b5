/**
 * JSON Pointers (RFC 6901) as rules write them, with two wildcards as whole tokens: `*` is any one
 * member name or array index, `**` any number of levels (zero or more). `/customers/*\/email`,
 * `/**\/ssn`. An ordinary `*` member name is written `~2`.
 * @see https://www.rfc-editor.org/rfc/rfc6901
 */
export type PointerToken = string | typeof ANY_ONE | typeof ANY_DEPTH;
export const ANY_ONE = Symbol("*");
export const ANY_DEPTH = Symbol("**");

export function parsePointer(pointer: string): PointerToken[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/"))
    throw new Error(`JSON Pointer ${JSON.stringify(pointer)} must start with '/'`);
  return pointer
    .slice(1)
    .split("/")
    .map((token) => {
      if (token === "*") return ANY_ONE;
      if (token === "**") return ANY_DEPTH;
      if (/~[^012]|~$/.test(token))
        throw new Error(`JSON Pointer ${JSON.stringify(pointer)} has an invalid '~' escape`);
      return token.replace(/~2/g, "*").replace(/~1/g, "/").replace(/~0/g, "~");
    });
}

/** Whether a value's location (member names and array indices from the root) is one the pointer names. */
export function pointerMatches(
  tokens: readonly PointerToken[],
  location: readonly (string | number)[],
  from = 0,
  at = 0,
): boolean {
  if (from === tokens.length) return at === location.length;
  const token = tokens[from];
  if (token === ANY_DEPTH) {
    for (let skip = at; skip <= location.length; skip++)
      if (pointerMatches(tokens, location, from + 1, skip)) return true;
    return false;
  }
  if (at === location.length) return false;
  if (token === ANY_ONE || token === String(location[at]))
    return pointerMatches(tokens, location, from + 1, at + 1);
  return false;
}

/** Every value in a parsed document at a location the pointer names. */
export function valuesAt(
  document: unknown,
  tokens: readonly PointerToken[],
  /** Member names compared without case (a body parseStrictJson read: no two names differ only in case). */
  isCaseFolded = false,
): unknown[] {
  const found: unknown[] = [];
  const walk = (value: unknown, from: number) => {
    if (from === tokens.length) {
      found.push(value);
      return;
    }
    const token = tokens[from];
    if (token === ANY_DEPTH) {
      walk(value, from + 1);
      for (const child of childrenOf(value)) walk(child, from);
      return;
    }
    if (token === ANY_ONE) {
      for (const child of childrenOf(value)) walk(child, from + 1);
      return;
    }
    if (Array.isArray(value)) {
      if (/^(0|[1-9][0-9]*)$/.test(token as string) && Number(token) < value.length)
        walk(value[Number(token)], from + 1);
    } else if (value !== null && typeof value === "object") {
      const name = isCaseFolded
        ? Object.keys(value).find((key) => key.toLowerCase() === (token as string).toLowerCase())
        : (token as string);
      if (name !== undefined && Object.hasOwn(value, name))
        walk((value as Record<string, unknown>)[name], from + 1);
    }
  };
  walk(document, 0);
  return found;
}

function childrenOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === "object") return Object.values(value);
  return [];
}
