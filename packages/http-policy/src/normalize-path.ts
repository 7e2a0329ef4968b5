import { MAX_TARGET_LENGTH } from "./limits";
import { type Reading, refuse } from "./refusal";

/**
 * A request path as the gateway reads it, and as it is forwarded: the upstream receives exactly
 * this text, so the path the rules judged is the path the upstream routes.
 */
export type NormalizedPath = {
  /** Canonical segments: unreserved characters decoded, every other escape kept in upper-case hex. */
  segments: string[];
  /** `/a/b` (or `/a/b/` when the agent sent a trailing slash); what goes upstream. */
  path: string;
  /** The raw query after the first `?`, still to be read by readQuery; undefined when none. */
  rawQuery: string | undefined;
};

const RULE = "sluice:http-path";
const HINT = "send the path in plain form: no encoded '/', '\\', ';' or '%', no '//', no ';' parameters";

/** RFC 3986 unreserved characters: the only ones whose escapes every server decodes the same way. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
/** Characters a path segment may carry raw (pchar minus ';'): anything else is refused. */
const RAW_PATH_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,=:@]$/;

/**
 * Reads an origin-form request target (`/conn/path?query`). One reading, fail closed: what servers
 * read differently (encoded separators, `;` parameters, empty segments, `\`, double encoding) is
 * refused; `.` and `..` segments are resolved, and the resolved path is what goes upstream.
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2 (syntax-based normalization)
 */
export function normalizeTarget(target: string): Reading<NormalizedPath> {
  if (target.length > MAX_TARGET_LENGTH)
    return refuse(414, RULE, `the request target is longer than ${MAX_TARGET_LENGTH} characters`);
  if (!target.startsWith("/"))
    return refuse(
      400,
      RULE,
      "only origin-form request targets (/connection/path) are read; absolute-form and '*' targets are refused",
      "send the path only, with the gateway as Host",
    );
  if (target.includes("#")) return refuse(400, RULE, "a request target may not carry a fragment ('#')");
  const queryAt = target.indexOf("?");
  const rawPath = queryAt < 0 ? target : target.slice(0, queryAt);
  const rawQuery = queryAt < 0 ? undefined : target.slice(queryAt + 1);
  const rawSegments = rawPath.slice(1).split("/");
  const hasTrailingSlash = rawSegments.length > 1 && rawSegments[rawSegments.length - 1] === "";
  if (hasTrailingSlash) rawSegments.pop();
  const segments: string[] = [];
  for (let i = 0; i < rawSegments.length; i++) {
    const raw = rawSegments[i] as string;
    if (raw === "") {
      if (rawSegments.length === 1) break; // the root path "/"
      return refuse(400, RULE, "empty path segments ('//') are read differently by different servers", HINT);
    }
    const segment = canonicalSegment(raw);
    if (!segment.ok) return segment;
    if (segment.value === ".") continue;
    if (segment.value === "..") {
      if (segments.length === 0) return refuse(400, RULE, "the path climbs above the root ('..')", HINT);
      segments.pop();
      continue;
    }
    segments.push(segment.value);
  }
  const path = `/${segments.join("/")}${hasTrailingSlash && segments.length > 0 ? "/" : ""}`;
  return { ok: true, value: { segments, path, rawQuery } };
}

function canonicalSegment(raw: string): Reading<string> {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i] as string;
    if (char === "%") {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex))
        return refuse(400, RULE, `'%' not followed by two hex digits in path segment ${JSON.stringify(raw)}`);
      const code = Number.parseInt(hex, 16);
      const decoded = String.fromCharCode(code);
      if (UNRESERVED.test(decoded)) out += decoded;
      else if (
        code === 0x2f ||
        code === 0x5c ||
        code === 0x3b ||
        code === 0x25 ||
        code < 0x20 ||
        code === 0x7f
      )
        return refuse(
          400,
          RULE,
          `the path carries an encoded ${describe(code)} (%${hex}), which servers decode differently`,
          HINT,
        );
      else out += `%${hex.toUpperCase()}`;
      i += 2;
      continue;
    }
    if (char === ";")
      return refuse(400, RULE, "';' path parameters are stripped by some servers and kept by others", HINT);
    if (!RAW_PATH_CHAR.test(char))
      return refuse(
        400,
        RULE,
        `the path carries ${JSON.stringify(char)}, which must be percent-encoded or is refused`,
        HINT,
      );
    out += char;
  }
  return { ok: true, value: out };
}

function describe(code: number): string {
  switch (code) {
    case 0x2f:
      return "'/'";
    case 0x5c:
      return "'\\'";
    case 0x3b:
      return "';'";
    case 0x25:
      return "'%' (double encoding)";
    default:
      return "control character";
  }
}
