import type { MaskingRuleDef } from "@sluice/policy/rules";
import type { SessionDecisions, Verdict } from "@sluice/policy/verdict";
import type { ResultEvent } from "@sluice/recording/result-events";
import type { RoutineRef } from "@sluice/sql/facts";
import type { KillTargets } from "./kill-mapping";
import type { StatementReading } from "./statement-reading";
import type { UpstreamCatalogAccess } from "./upstream-catalog";

/*
 * What the gateway hands a MySQL relay when it composes one for a connection: the session's
 * decisions and masking, the upstream's catalog, and the hooks audit and recording listen on.
 */

/** Hooks for audit and recording; the verdict is seen before the statement goes upstream. */
export type RelayHooks = {
  onVerdict?: (sql: string, verdict: Verdict) => void;
  /** What the client gets back (columns, masked rows, completions, errors), for the recording. */
  onResult?: (event: ResultEvent) => void;
};

export type RelayOptions = {
  decisions: SessionDecisions;
  /** The connection's masking rules now (the policy may change during a session). */
  maskingRules: () => readonly MaskingRuleDef[];
  groups: readonly string[];
  hashKey: Buffer;
  /** The upstream's relations: result columns are trusted by origin only against it. */
  catalog: UpstreamCatalogAccess;
  isDeprecateEof: boolean;
  /**
   * May the owner's code a write fires call this function (a safe built-in, or allowed by name)?
   * Absent: only the built-ins Sluice classifies safe.
   */
  isCallAllowed?: (call: RoutineRef) => boolean;
  /** Maps the gateway connection id in `KILL [QUERY] id` to this agent's upstream thread. */
  killTargets?: KillTargets;
  hooks?: RelayHooks;
  /** Where a rule naming a detector Sluice does not have is reported. */
  log?: (line: string) => void;
  /** The size limit and the parse threads statements are read with (absent: no threads, the default limit). */
  reading?: StatementReading;
};
