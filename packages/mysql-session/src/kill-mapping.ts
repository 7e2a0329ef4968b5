import { type KillStatement, killStatementSql } from "@sluice/mysql-sql/kill-statement";
import { framePacket } from "@sluice/mysql-wire/packet-buffer";
import type { Verdict } from "@sluice/policy/verdict";
import { MySqlClientError } from "./mysql-client-error";

/** "Unknown thread id": what the server says for an id that is not one of the user's threads. */
export const ER_NO_SUCH_THREAD = 1094;

/**
 * The upstream thread behind a gateway connection id, only when that session belongs to the asking
 * agent on the same connection (null otherwise, whether or not the id exists: other agents'
 * sessions are never revealed). The session may live in another gateway worker: it is asked there.
 */
export type KillTargets = (gatewayConnectionId: number) => Promise<number | null>;

/** COM_QUERY's command byte. @see https://mariadb.com/kb/en/com_query/ */
const COM_QUERY = 0x03;

/** The COM_QUERY packet to forward in place of the agent's KILL, or the refusal it gets; and the verdict recorded. */
export async function mappedKill(
  kill: KillStatement,
  targets: KillTargets | undefined,
): Promise<{ raw: Buffer; verdict: Verdict } | { error: MySqlClientError; verdict: Verdict }> {
  const upstreamThreadId = (await targets?.(kill.id)) ?? null;
  if (upstreamThreadId === null) {
    const error = new MySqlClientError(
      ER_NO_SUCH_THREAD,
      "HY000",
      `KILL ${kill.id}: no session of yours on this connection has that id (Sluice kills only your own sessions, by the connection id the gateway gave them)`,
    );
    return { error, verdict: { kind: "deny", rule: "sluice:kill-scope", message: error.message } };
  }
  const sql = killStatementSql(kill, upstreamThreadId);
  return {
    raw: framePacket(0, Buffer.concat([Buffer.from([COM_QUERY]), Buffer.from(sql)])),
    verdict: { kind: "allow", readsNoRows: true },
  };
}
