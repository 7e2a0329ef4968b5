import type { RoutineRef, StatementFacts } from "@sluice/sql/facts";
import { EXTENSION_FUNCTION_CLASSES } from "./builtins";
import type { SessionContext } from "./engine";
import { CLASS_VERDICTS, type FunctionClass } from "./function-class";
import { CLASSIFIED_SERVER_VERSION, FUNCTION_CLASSES, SAFE_OPERATORS } from "./generated/function-classes";
import { refusedMySqlCall } from "./mysql-function-calls";
import type { ConnectionPolicy } from "./rules";
import { castFunctionsOf, type UpstreamCode } from "./upstream-code";

/**
 * Which function a call reaches, as far as the gateway can prove it, and what that function can do.
 *
 * Name resolution (PostgreSQL's FuncnameGetCandidates): a qualified call looks in that schema only.
 * An unqualified call gathers every function of the name in pg_catalog and on the search_path, in
 * path order; pg_catalog is searched first unless the path names it later. A function in a later
 * schema is hidden only by one of the same argument types, so a user function with the same name
 * and other argument types can still win overload resolution (`lower(5)` against `public.lower(int)`).
 * What the gateway proves, and how it reads the rest:
 *   - qualified `pg_catalog.f` / `information_schema.f`: the built-in, classified;
 *   - qualified anywhere else (pg_temp included): unknown, unless a known extension's function;
 *   - unqualified, not a built-in name: unknown (user-defined or an extension's);
 *   - unqualified built-in of a refused class: that class, refused whichever function wins;
 *   - any other unqualified built-in: the built-in while pg_catalog is searched first; once the
 *     session's path has named pg_catalog (it may now come later) or a statement has computed the
 *     path (this one, or any earlier one: a message's statements are judged before any runs), unknown. Residual: a same-named user function of other argument types in a schema on the path
 *     could win; agents cannot create functions through Sluice (CREATE FUNCTION is refused by default),
 *     so such a function is the database owner's.
 * Operators are calls of their functions: an operator qualified outside pg_catalog, or one that is
 * not a built-in whose every implementation is safe, is unknown (same path rule as functions).
 */

/** Schema → name → class: two lookups of strings the parser already made, so nothing is built per call. */
const CLASSES = new Map<string, ReadonlyMap<string, FunctionClass>>(
  Object.entries(FUNCTION_CLASSES).map(([schema, names]) => [schema, new Map(Object.entries(names))]),
);
const CATALOG_CLASSES = CLASSES.get("pg_catalog") ?? new Map<string, FunctionClass>();
const OPERATORS = new Set(SAFE_OPERATORS);
const CATALOG = "pg_catalog";

/** Why, after this session changed routines the catalog read cannot show yet, a built-in name proves nothing. */
const UNCERTAIN_ROUTINES =
  "this session changed functions, operators, casts or types (in this message, or in a transaction still open) and the gateway has not read them yet, so a function of that name may win over the built-in until the change is committed";

export type CallReading = { kind: "known"; cls: FunctionClass } | { kind: "unknown"; why: string };

/** A refused call: the Sluice default it falls under and the sentence that says why. */
export type CallRefusal = { rule: string; what: string };

/** The first call or operator of the statement that its connection may not run, or null. */
export function refusedCall(
  policy: ConnectionPolicy,
  facts: StatementFacts,
  session: Pick<SessionContext, "searchPath" | "isPathComputed" | "upstreamCode" | "codeUncertainty">,
): CallRefusal | null {
  if (facts.dialect === "mysql") return refusedMySqlCall(facts, (call) => allowsCall(policy, call));
  const isUncertain = session.codeUncertainty === "routines";
  const notBuiltinWhy = isUncertain ? UNCERTAIN_ROUTINES : undefined;
  // A path computed in this statement or an earlier one may put pg_catalog anywhere.
  const isCatalogFirst =
    !isUncertain &&
    !session.searchPath.includes(CATALOG) &&
    !session.isPathComputed &&
    !facts.settings.some((s) => (s.name === "search_path" && s.value === null) || s.name === "*");
  const isReadOnly =
    policy.isReadOnly || policy.guardrails.some((r) => r.kind === "READ_ONLY" && r.effect === "DENY");
  const code = session.upstreamCode;
  for (const call of facts.functionCalls) {
    const reading = readCall(call, isCatalogFirst, code, notBuiltinWhy);
    const refusal = judged(policy, call, reading, "function", isReadOnly);
    if (refusal) return refusal;
  }
  // The lower-cased names too: a producer of facts that fills only `functions` is still judged.
  for (const joined of facts.functions) {
    const call = splitLowerCased(joined);
    const reading = readCall(call, isCatalogFirst, code, notBuiltinWhy);
    const refusal = judged(policy, call, reading, "function", isReadOnly);
    if (refusal) return refusal;
  }
  for (const operator of facts.operators) {
    const reading = readOperator(operator, isCatalogFirst, code, notBuiltinWhy);
    const refusal = judged(policy, operator, reading, "operator", isReadOnly);
    if (refusal) return refusal;
  }
  return code ? refusedCast(policy, facts, code, isReadOnly) : null;
}

/** A cast to a type whose input or cast function lives outside pg_catalog calls that function. */
function refusedCast(
  policy: ConnectionPolicy,
  facts: StatementFacts,
  code: UpstreamCode,
  isReadOnly: boolean,
): CallRefusal | null {
  for (const type of facts.typeCasts ?? []) {
    for (const fn of castFunctionsOf(code, type)) {
      const shown = type.schema === null ? type.name : `${type.schema}.${type.name}`;
      const reading = readCall(fn, true, code);
      const why: CallReading =
        reading.kind === "known"
          ? reading
          : {
              kind: "unknown",
              why: `a cast to or from ${shown} runs it (a type's input function or a cast function outside pg_catalog)`,
            };
      const refusal = judged(policy, fn, why, "function", isReadOnly);
      if (refusal) return refusal;
    }
  }
  return null;
}

/**
 * `code` is the upstream's catalog as last read: a function outside pg_catalog with a built-in's
 * name may win overload resolution with other argument types (`public.upper(integer)`).
 */
export function readCall(
  call: RoutineRef,
  isCatalogFirst: boolean,
  code?: UpstreamCode,
  notBuiltinWhy?: string,
): CallReading {
  if (call.schema !== null) {
    const cls = CLASSES.get(call.schema)?.get(call.name) ?? extensionClass(call.name);
    return cls
      ? { kind: "known", cls }
      : {
          kind: "unknown",
          why: `it is not a built-in function of PostgreSQL ${CLASSIFIED_SERVER_VERSION} (user-defined or an extension's)`,
        };
  }
  const builtin = CATALOG_CLASSES.get(call.name);
  // Refused whichever function of the name wins.
  if (builtin && CLASS_VERDICTS[builtin].kind === "refuse") return { kind: "known", cls: builtin };
  const shadowing = builtin ? code?.userFunctions.get(call.name) : undefined;
  if (shadowing) {
    return {
      kind: "unknown",
      why: `a function of that name exists outside pg_catalog (in ${shadowing.join(", ")}), and the server's overload resolution may pick it over the built-in (write pg_catalog.${call.name} for the built-in)`,
    };
  }
  if (builtin) {
    return isCatalogFirst
      ? { kind: "known", cls: builtin }
      : {
          kind: "unknown",
          why: `${notBuiltinWhy ?? "the session's search_path may search another schema before pg_catalog, where a function of that name would win"} (write pg_catalog.${call.name} for the built-in)`,
        };
  }
  const extension = extensionClass(call.name);
  if (extension) return { kind: "known", cls: extension };
  return {
    kind: "unknown",
    why: `it is not a built-in function of PostgreSQL ${CLASSIFIED_SERVER_VERSION} (user-defined or an extension's)`,
  };
}

function readOperator(
  operator: RoutineRef,
  isCatalogFirst: boolean,
  code?: UpstreamCode,
  notBuiltinWhy?: string,
): CallReading {
  const isBuiltin = OPERATORS.has(operator.name);
  if (operator.schema === CATALOG && isBuiltin) return { kind: "known", cls: "safe" };
  const shadowing = operator.schema === null ? code?.userOperators.get(operator.name) : undefined;
  if (shadowing) {
    return {
      kind: "unknown",
      why: `an operator of that name exists outside pg_catalog (in ${shadowing.join(", ")}), and the server may pick it for these operand types (write OPERATOR(pg_catalog.${operator.name}) for the built-in)`,
    };
  }
  if (operator.schema === null && isBuiltin && isCatalogFirst) return { kind: "known", cls: "safe" };
  return {
    kind: "unknown",
    why:
      operator.schema === null && isBuiltin
        ? `${notBuiltinWhy ?? "the session's search_path may search another schema before pg_catalog, where an operator of that name would win"} (write OPERATOR(pg_catalog.${operator.name}) for the built-in)`
        : "it is not a built-in operator, so the function it calls cannot be judged",
  };
}

function judged(
  policy: ConnectionPolicy,
  call: RoutineRef,
  reading: CallReading,
  what: "function" | "operator",
  isReadOnly: boolean,
): CallRefusal | null {
  const verdict = reading.kind === "known" ? CLASS_VERDICTS[reading.cls] : null;
  if (verdict?.kind === "allow") return null;
  const shown = call.schema === null ? call.name : `${call.schema}.${call.name}`;
  const named = what === "function" ? `${shown}()` : `operator ${shown}`;
  // Read-only is the connection's own setting, which no guardrail turns off for a statement; an
  // unplaced `nextval` may still be the built-in.
  const builtin =
    what === "function" && (call.schema === null || call.schema === CATALOG)
      ? CATALOG_CLASSES.get(call.name)
      : undefined;
  const writes = verdict?.kind === "read-only" ? verdict : builtin ? CLASS_VERDICTS[builtin] : null;
  if (writes?.kind === "read-only" && isReadOnly)
    return { rule: "sluice:read-only", what: `${named} ${writes.why}, and the connection is read-only` };
  if (verdict?.kind === "read-only") return null;
  if (allowsCall(policy, call)) return null;
  const howToAllow = `an admin can allow it by name with an ALLOW FUNCTION guardrail (functions: [${JSON.stringify(shown)}])`;
  if (verdict === null) {
    const why = reading.kind === "unknown" ? reading.why : "";
    return {
      rule: "sluice:unknown-function",
      what: `${named} is not a function Sluice can judge: ${why}; ${howToAllow}`,
    };
  }
  return { rule: verdict.rule, what: `${named} ${verdict.why}; ${howToAllow}` };
}

/** An ALLOW FUNCTION guardrail names the call: `name` (unqualified or pg_catalog), `schema.name`, `prefix*`, `*`. */
export function allowsCall(policy: ConnectionPolicy, call: RoutineRef): boolean {
  return policy.guardrails.some(
    (rule) =>
      rule.effect === "ALLOW" &&
      rule.kind === "FUNCTION" &&
      rule.match.functions.some((pattern) => callMatches(call, pattern)),
  );
}

function callMatches(call: RoutineRef, pattern: string): boolean {
  if (pattern === "*") return true;
  // Operator names never hold a dot, so the last dot always ends the schema.
  const at = pattern.lastIndexOf(".");
  const schema = at > 0 ? pattern.slice(0, at) : null;
  const name = at > 0 ? pattern.slice(at + 1) : pattern;
  // A pattern is written as SQL is: unquoted names fold to lower case.
  const same = (actual: string, wanted: string) =>
    wanted.endsWith("*")
      ? actual.startsWith(wanted.slice(0, -1)) || actual.startsWith(wanted.slice(0, -1).toLowerCase())
      : actual === wanted || actual === wanted.toLowerCase();
  if (!same(call.name, name)) return false;
  if (schema === null) return call.schema === null || call.schema === CATALOG;
  return call.schema !== null && same(call.schema, schema);
}

/** Known extensions' dangerous functions, wherever the extension was installed. */
function extensionClass(name: string): FunctionClass | undefined {
  for (const [pattern, cls] of EXTENSION_FUNCTION_CLASSES) {
    if (pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern) return cls;
  }
  return undefined;
}

/** `facts.functions` holds names lower-cased and joined with dots: the last part is the name. */
function splitLowerCased(joined: string): RoutineRef {
  const at = joined.lastIndexOf(".");
  if (at < 0) return { schema: null, name: joined };
  const before = joined.lastIndexOf(".", at - 1);
  return { schema: joined.slice(before + 1, at), name: joined.slice(at + 1) };
}
