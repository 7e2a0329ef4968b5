import { type Reading, refuse } from "./refusal";

/** Query parameters as the gateway reads them: each name once; forwarded in this canonical form. */
export type QueryParams = {
  /** Decoded name → decoded value ("" for a bare `name`). */
  params: Map<string, string>;
  /** The query the upstream receives (`a=1&b=x%20y`), or "" when there is none. */
  canonical: string;
};

const RULE = "sluice:http-query";
/** Names frameworks read as "use this method instead" (Rails, Laravel, Symfony, method-override). */
const METHOD_OVERRIDE_PARAMS = new Set(["_method", "x-http-method-override", "x-method-override"]);
const RAW_QUERY_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,=:@/?%]$/;

/**
 * Reads a query string the one way every framework agrees on: `&`-separated, `name=value`, `+` as
 * space, UTF-8 escapes. A name given twice is refused (frameworks keep the first, the last or a
 * list), as are names equal but for case, and `;` separators (some frameworks split on them).
 */
export function readQuery(raw: string | undefined): Reading<QueryParams> {
  const params = new Map<string, string>();
  if (raw === undefined || raw === "") return { ok: true, value: { params, canonical: "" } };
  for (const char of raw) {
    if (char === ";")
      return refuse(
        400,
        RULE,
        "';' in a query is a parameter separator to some frameworks and not to others",
        "use '&' between parameters",
      );
    if (!RAW_QUERY_CHAR.test(char))
      return refuse(400, RULE, `the query carries ${JSON.stringify(char)}, which must be percent-encoded`);
  }
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const piece of raw.split("&")) {
    if (piece === "") continue;
    const equals = piece.indexOf("=");
    const name = decodeComponent(equals < 0 ? piece : piece.slice(0, equals));
    const value = decodeComponent(equals < 0 ? "" : piece.slice(equals + 1));
    if (name === null || value === null)
      return refuse(400, RULE, `query parameter ${JSON.stringify(piece)} is not valid percent-encoded UTF-8`);
    if (name.includes("\0") || value.includes("\0"))
      return refuse(
        400,
        RULE,
        `query parameter ${JSON.stringify(name)} carries NUL, where some readers end the text`,
      );
    const folded = name.toLowerCase();
    if (METHOD_OVERRIDE_PARAMS.has(folded))
      return refuse(
        400,
        "sluice:http-method-override",
        `the query parameter ${name} overrides the method in some frameworks`,
        "send the method itself",
      );
    if (seen.has(folded))
      return refuse(
        400,
        RULE,
        `query parameter ${JSON.stringify(name)} is given more than once; frameworks disagree on which one counts`,
        "give each parameter once",
      );
    seen.add(folded);
    params.set(name, value);
    parts.push(equals < 0 ? encodeComponent(name) : `${encodeComponent(name)}=${encodeComponent(value)}`);
  }
  return { ok: true, value: { params, canonical: parts.join("&") } };
}

function decodeComponent(text: string): string | null {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

function encodeComponent(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
