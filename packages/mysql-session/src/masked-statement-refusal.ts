import type { MaskingShape } from "@sluice/mysql-sql/masking-shape";
import { isOwnerCodeCallAllowed } from "@sluice/policy/mysql-owner-code-calls";
import type { Verdict } from "@sluice/policy/verdict";
import type { RoutineRef } from "@sluice/sql/facts";
import { type MaskingScope, unmaskableChannel } from "./masking-scope";
import { MySqlClientError } from "./mysql-client-error";
import { ownerCodeDenial } from "./owner-code";

export type DenyVerdict = Extract<Verdict, { kind: "deny" }>;

export type MaskedStatementRefusalOptions = {
  /** The applicable column rules' selectors (a masked column is what owner's code must not copy). */
  selectors: readonly string[];
  /** May the owner's code a write fires call this function? Absent: only the built-ins Sluice classifies safe. */
  isCallAllowed?: (call: RoutineRef) => boolean;
};

/**
 * What only the scoped catalog can tell about a statement under column rules: a write whose table
 * runs owner's code (triggers, computed columns) that could copy masked values, or a statement that
 * may read masked values keeping them where masking cannot follow. Null when it may run.
 */
export function maskedStatementRefusal(
  shape: MaskingShape | null,
  scope: MaskingScope,
  options: MaskedStatementRefusalOptions,
): DenyVerdict | null {
  const ownerCode = ownerCodeDenial(shape, scope.catalog, {
    selectors: options.selectors,
    isCallAllowed: options.isCallAllowed ?? ((call) => isOwnerCodeCallAllowed(undefined, call)),
  });
  if (ownerCode) return ownerCode;
  const channel = unmaskableChannel(scope, shape);
  if (!channel) return null;
  return {
    kind: "deny",
    rule: "sluice:unmaskable-channel",
    message: `blocked by Sluice default "sluice:unmaskable-channel": ${channel}`,
    hint: "read masked columns with a plain SELECT; the gateway masks them on the way out",
  };
}

/** A refusal as the client reads it: Sluice's message with its hint. */
export function refusedBy(verdict: DenyVerdict): MySqlClientError {
  return MySqlClientError.refused(`${verdict.message}${verdict.hint ? ` (hint: ${verdict.hint})` : ""}`);
}
