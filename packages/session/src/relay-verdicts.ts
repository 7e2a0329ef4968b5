import type { Verdict } from "@sluice/policy/verdict";
import { ClientError } from "./client-error";
import type { ResultScope } from "./result-scope";
import type { SyntaxErrorProbe } from "./syntax-error-probe";

/** What a verdict leaves the relay to keep or send: prepared records, refusals, scopes, errors. */

export type CheckParams = NonNullable<Extract<Verdict, { kind: "allow" }>["checkParams"]>;

/** A verdict that no longer waits. */
export type Settled = Exclude<Verdict, { kind: "hold" }>;

/** What the relay knows of a prepared statement. */
export type PreparedRecord = {
  sql: string;
  version: number;
  /** The catalog snapshot's version it was judged under (see SessionDecisions.catalogVersion). */
  catalogVersion: number;
  /**
   * A statement a reviewer approved runs as many times as approved: once (the Bind that follows
   * its Parse); every Bind after that is judged again (a grant or a new review decides).
   */
  approvedBindsLeft?: number;
  /** What the reviewer approved, for that Bind's judgement under a newer catalog. */
  approved?: { as: string; note: string };
  /** The values each Bind supplies are checked before it runs (a write's placeholders). */
  checkParams?: CheckParams;
  /**
   * Allowed for where its names resolve at Parse: judged again at every Bind but the one that
   * follows its Parse with nothing sent upstream in between.
   */
  isJudgedPerRun?: boolean;
  /** The upstream message count once its Parse went upstream. */
  forwardedAt: number;
  /** It may run code the gateway did not judge: its portals hold back what follows them. */
  mayRunUnjudgedCode?: boolean;
  /** Prepared statements each run of it drops (DEALLOCATE, DISCARD): see `SqlNameEffects`. */
  dropsPrepared?: readonly string[] | "all";
  /** Each run of it may close or replace portals by SQL (CLOSE, DECLARE, COMMIT…). */
  dropsPortals?: true;
};

/**
 * Where the rows of an allowed statement come from, for the result masker. A statement that may run
 * code nobody judged (a trigger behind an INSERT, a rule, a user function an admin allowed by name)
 * can read any table and RAISE what it read, or return it from a computed column: its origin is
 * unknown, so its notices and errors are withheld and its computed columns masked (fail closed).
 * A statement that reads no row (CREATE TABLE, DROP …) cannot put a value in its error: the
 * relations it names, new or unknown to the catalog, do not make its error text withheld.
 */
export function resultScope(verdict: Extract<Verdict, { kind: "allow" }>): ResultScope {
  const isRowless = verdict.readsNoRows === true;
  return {
    maskedTables: isRowless ? [] : (verdict.maskedTables ?? []),
    relations: isRowless ? [] : (verdict.relations ?? []),
    ...(verdict.cleanOutputs && !verdict.mayRunUnjudgedCode ? { cleanOutputs: verdict.cleanOutputs } : {}),
    ...(verdict.mayRunUnjudgedCode ? { isOriginUnknown: true } : {}),
    ...(verdict.fetchesPortals ? { fetchesPortals: true as const } : {}),
    ...(verdict.dropsPortals ? { dropsPortals: true as const } : {}),
  };
}

/** The ERROR a denial shows the client, where the server's own error would have been. */
export function denialError(verdict: Extract<Verdict, { kind: "deny" }>): ClientError {
  return new ClientError(
    "ERROR",
    verdict.code ?? "42501",
    verdict.message,
    verdict.hint,
    undefined,
    verdict.position,
  );
}

/** The FunctionCall message runs a function without SQL, past every guardrail: refused in place. */
export function functionCallRefusal(): ClientError {
  return ClientError.error(
    "42501",
    "the FunctionCall protocol message is refused by Sluice: it runs functions without SQL, past every guardrail",
    "call the function from a SQL statement instead",
  );
}

/**
 * A refusal whose stand-in went upstream: the server's ErrorResponse for the stand-in is replaced by
 * `denial`. Null once shown, or when an earlier error of the server made it skip the stand-in.
 */
export type Refusable = {
  denial: Buffer | null;
  /** A syntax error the server itself answers: it decides what the client sees instead of `denial`. */
  probe?: SyntaxErrorProbe["answer"] | undefined;
};

/** State of the extended-protocol batch the client is building up to its next Sync. */
export type Batch = Refusable & {
  /** A message of it was refused: the server skips to Sync, and so does the relay. */
  isRefused: boolean;
};

export function emptyBatch(): Batch {
  return { isRefused: false, denial: null };
}
