import {
  ER_NET_PACKETS_OUT_OF_ORDER,
  ER_PARSE,
  ER_UNKNOWN_COM,
  MySqlClientError,
} from "./mysql-client-error";

/** COM_CHANGE_USER's command byte. @see https://mariadb.com/kb/en/com_change_user/ */
const CHANGE_USER = 0x11;

/**
 * The fatal answer to a command the relay does not serve: the connection closes, since the client
 * would otherwise wait for an answer whose shape the gateway cannot vouch for.
 */
export function unsupportedCommand(code: number): MySqlClientError {
  if (code === CHANGE_USER) {
    // Another login on this connection would skip the agent login and the session's audit row.
    return new MySqlClientError(
      ER_UNKNOWN_COM,
      "08S01",
      "COM_CHANGE_USER is refused by Sluice: a session belongs to the agent that logged in; open a new connection as the other agent",
    );
  }
  return new MySqlClientError(
    ER_UNKNOWN_COM,
    "08S01",
    `command 0x${code.toString(16).padStart(2, "0")} is not supported by Sluice; the connection is closed`,
  );
}

/** A command packet out of the exchange's order: fatal, the stream can no longer be read. */
export function outOfOrder(message: string): MySqlClientError {
  return new MySqlClientError(ER_NET_PACKETS_OUT_OF_ORDER, "08S01", message);
}

/** A command packet the gateway cannot decode (truncated, text not UTF-8): refused, the session goes on. */
export function unreadableCommand(error: unknown): MySqlClientError {
  return new MySqlClientError(ER_PARSE, "42000", error instanceof Error ? error.message : String(error));
}
