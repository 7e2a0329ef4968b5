import { readFileSync } from "node:fs";
import { z } from "zod";

/**
 * The functions reviewed one by one as safe, by schema: pure computation on their arguments, or
 * reads of catalog metadata, this session's own state, or counters (no stored values, no other
 * session's text, no files). In information_schema: the SQL helpers of its views (type arithmetic
 * and unnest).
 *
 * The ~700 names are data, kept in safe-names.json so the list can grow with a server version
 * without a source file growing with it; this loader is where they get their type and are checked.
 */
const ZSafeNames = z.record(
  z.string().min(1),
  z
    .array(z.string().regex(/^[a-z0-9_]+$/, "a function name, lower case, as pg_proc spells it"))
    .refine((names) => new Set(names).size === names.length, "a name is listed twice"),
);

export const SAFE_NAMES: Readonly<Record<string, readonly string[]>> = ZSafeNames.parse(
  JSON.parse(readFileSync(new URL("./safe-names.json", import.meta.url), "utf8")),
);
