import { ownerCodeDenial, ownerCodeSelectors } from "@sluice/mysql-session/owner-code";
import { readStatementForMasking } from "@sluice/mysql-sql/masking-shape";
import { isOwnerCodeCallAllowed } from "@sluice/policy/mysql-owner-code-calls";
import type { ConnectionPolicy } from "@sluice/policy/rules";
import type { Verdict } from "@sluice/policy/verdict";
import type { TryMySqlCatalog } from "./try-mysql-catalog";

export type TryMySqlOwnerCodeOptions = {
  /** The upstream's catalog, read as the gateway reads it (shared with the rest of the try). */
  catalog: TryMySqlCatalog;
  policy: ConnectionPolicy | undefined;
  groups: readonly string[];
  statement: string;
};

/**
 * What the MySQL relay judges after the decision point's allow, for the try box: on a connection
 * whose masking applies to the agent, a write whose table runs owner's code (triggers, computed
 * columns) that could copy masked values is refused, with the same words (`ownerCodeDenial`). A
 * catalog that cannot be read leaves the check without it, which refuses the write as the gateway
 * would (the catalog's `problem` says why). Nothing is read when the statement writes nothing or
 * nothing is masked.
 */
export async function tryMySqlOwnerCode(
  options: TryMySqlOwnerCodeOptions,
): Promise<Extract<Verdict, { kind: "deny" }> | null> {
  const selectors = ownerCodeSelectors(options.policy?.masking ?? [], options.groups);
  if (selectors.length === 0) return null;
  const { shape } = readStatementForMasking(options.statement);
  const writes = (shape?.statements ?? []).some((facts) => facts.tablesWritten.length > 0);
  if (!writes) return null;
  return ownerCodeDenial(shape, await options.catalog.read(), {
    selectors,
    isCallAllowed: (call) => isOwnerCodeCallAllowed(options.policy, call),
  });
}
