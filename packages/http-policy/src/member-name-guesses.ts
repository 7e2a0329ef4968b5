import { BodyStreamError } from "./body-stream-error";
import { type StringTokenShape, stringTokenText } from "./json-string-token";
import type { MemberNameVerdicts } from "./member-name-verdicts";
import type { Frame } from "./pointer-rule-tree";

/**
 * Names the member of the innermost object whose quoted name is source[from, to): its text (the
 * frame's key for the rules), the remembered name and the member's rule node, found by the hints
 * MemberNameVerdicts keeps. The name that followed the previous one in this object last time is
 * compared first (records repeat their members in one order), then the hash of its bytes; only an
 * escape-free name may be found by its bytes (`"\u0061"` is not `"a"`'s). A hint is always checked,
 * never trusted: the rule node remembered with a name counts only under the parent it was seen in.
 * Returns the name's replacement when a content detector finds it, else null.
 */
export function nameMember(
  memberNames: MemberNameVerdicts,
  stack: Frame[],
  source: Buffer,
  from: number,
  to: number,
  isAscii: boolean,
  hasBackslash: boolean,
  hasControl: boolean,
): string | null {
  const isPlain = isAscii && !hasBackslash && !hasControl;
  const depth = stack.length;
  const frame = stack[depth - 1] as Frame;
  // The name before it in this object (null for the first) tells which name to compare first.
  const previous = frame.name;
  const name =
    (isPlain ? memberNames.known(source, from, to, previous, depth) : null) ??
    memberNames.read(
      nameText(source, from, to, { isAscii, hasBackslash, hasControl }),
      source,
      from,
      to,
      isPlain,
      previous,
      depth,
    );
  frame.key = name.name;
  frame.name = name;
  frame.member = name.memberOf !== null && name.memberOf === frame.node ? name.member : null;
  return name.verdict;
}

/** A name not found by its bytes: its text, unescaped; a name that is not a JSON string ends the body. */
function nameText(source: Buffer, from: number, to: number, shape: StringTokenShape): string {
  try {
    return stringTokenText(source, from, to, shape);
  } catch {
    throw new BodyStreamError("invalid JSON string (escape or UTF-8)");
  }
}
