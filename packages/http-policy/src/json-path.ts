import { ANY_DEPTH, ANY_ONE, type PointerToken, parsePointer } from "./json-pointer";

/**
 * A field selector as rules write it: a JSON Pointer with wildcards (`/customers/*\/email`) or a
 * JSONPath (`$.customers[*].email`, `$..ssn`), both read into the same tokens, so masking and body
 * rules match one way whichever is written.
 */
export function parseSelector(selector: string): PointerToken[] {
  return selector.startsWith("$") ? parseJsonPath(selector) : parsePointer(selector);
}

/** A member name after a dot: what RFC 9535 allows unquoted (no spaces, dots, brackets or quotes). */
const DOT_NAME = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff-]*/;
const INDEX = /^(0|[1-9][0-9]*)$/;

/**
 * The JSONPath subset that names locations (RFC 9535): `$`, `.name`, `['name']` and `["name"]`,
 * `[index]`, the wildcards `.*` and `[*]`, and descendants `..`. What selects by value or by range
 * (filters `?()`, slices, unions, negative indices, functions) is refused: a masking rule must say
 * where a value is, not compute it.
 * @see https://www.rfc-editor.org/rfc/rfc9535
 */
export function parseJsonPath(path: string): PointerToken[] {
  const refuse = (why: string): never => {
    throw new Error(`JSONPath ${JSON.stringify(path)}: ${why}`);
  };
  if (!path.startsWith("$")) refuse("must start with '$'");
  const tokens: PointerToken[] = [];
  let at = 1;
  while (at < path.length) {
    let isDescendant = false;
    if (path.startsWith("..", at)) {
      isDescendant = true;
      tokens.push(ANY_DEPTH);
      at += 2;
      // `$..[0]` and `$..['a']`: a bracket straight after the two dots.
      if (path[at] !== "[") {
        const [token, next] = dotSegment(path, at, refuse);
        tokens.push(token);
        at = next;
        continue;
      }
    }
    if (path[at] === ".") {
      const [token, next] = dotSegment(path, at + 1, refuse);
      tokens.push(token);
      at = next;
      continue;
    }
    if (path[at] === "[") {
      const [token, next] = bracketSegment(path, at, refuse);
      tokens.push(token);
      at = next;
      continue;
    }
    refuse(
      isDescendant ? "'..' must be followed by a name, '*' or '['" : `unexpected ${JSON.stringify(path[at])}`,
    );
  }
  return tokens;
}

function dotSegment(path: string, at: number, refuse: (why: string) => never): [PointerToken, number] {
  if (path[at] === "*") return [ANY_ONE, at + 1];
  const name = DOT_NAME.exec(path.slice(at))?.[0];
  if (!name) refuse(`expected a member name or '*' at character ${at + 1}`);
  return [name as string, at + (name as string).length];
}

function bracketSegment(path: string, at: number, refuse: (why: string) => never): [PointerToken, number] {
  const close = (from: number) => {
    if (path[from] !== "]")
      refuse(
        `expected ']' at character ${from + 1} (filters, slices and unions of several selectors are not supported)`,
      );
    return from + 1;
  };
  const inner = path[at + 1];
  if (inner === "*") return [ANY_ONE, close(at + 2)];
  if (inner === "'" || inner === '"') {
    let name = "";
    let i = at + 2;
    for (; i < path.length && path[i] !== inner; i++) {
      if (path[i] === "\\") {
        const escaped = path[i + 1];
        if (escaped !== inner && escaped !== "\\") refuse(`unsupported escape at character ${i + 1}`);
        name += escaped;
        i++;
      } else name += path[i];
    }
    if (i >= path.length) refuse("unterminated quoted name");
    return [name, close(i + 1)];
  }
  const end = path.indexOf("]", at);
  const index = end < 0 ? "" : path.slice(at + 1, end);
  if (!INDEX.test(index))
    refuse(
      `[${index}] is not a name, '*' or a non-negative index (filters, slices, unions and negative indices are not supported)`,
    );
  return [index, end + 1];
}
