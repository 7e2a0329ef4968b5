import { PIN_SESSION_SQL } from "@sluice/mysql-sql/pinned-modes";
import { framePacket } from "@sluice/mysql-wire/packet-buffer";
import { encodeOk, isErrPacket, isOkPacket, parseOk } from "@sluice/mysql-wire/responses";
import { MySqlClientError } from "./mysql-client-error";

/** COM_QUERY's command byte. @see https://mariadb.com/kb/en/com_query/ */
const COM_QUERY = 0x03;

/** What the reset asks the relay to do with one upstream packet. */
export type ResetStep =
  | { kind: "send-upstream"; raw: Buffer }
  | { kind: "answer-client"; payload: Buffer }
  | { kind: "fail"; error: MySqlClientError };

/**
 * COM_RESET_CONNECTION, forwarded and then followed by the pinning statement: the server's reset
 * puts sql_mode and the character set back to the server's defaults (ANSI_QUOTES could come back),
 * so the client's OK waits until the modes are pinned again, and nothing of the agent's runs in
 * between (the relay holds the session busy). A failed pin closes the client: its statements
 * would otherwise be read differently by the gateway and the server.
 * @see https://mariadb.com/kb/en/com_reset_connection/
 */
export class ConnectionReset {
  private phase: "reset" | "pin" = "reset";

  onUpstreamPacket(payload: Buffer): ResetStep {
    if (this.phase === "reset") {
      // A server that refused the reset changed nothing: its error goes to the client as is.
      if (isErrPacket(payload)) return { kind: "answer-client", payload };
      if (!isOkPacket(payload))
        return { kind: "fail", error: resetFailed("unexpected answer to COM_RESET_CONNECTION") };
      this.phase = "pin";
      return {
        kind: "send-upstream",
        raw: framePacket(0, Buffer.concat([Buffer.from([COM_QUERY]), Buffer.from(PIN_SESSION_SQL)])),
      };
    }
    if (!isOkPacket(payload))
      return { kind: "fail", error: resetFailed("the upstream refused to pin the session modes again") };
    // The client sees the pin's status (autocommit, no transaction), as after its own reset.
    return { kind: "answer-client", payload: encodeOk({ status: parseOk(payload).status }) };
  }
}

function resetFailed(why: string): MySqlClientError {
  return MySqlClientError.fatal(
    1105,
    "HY000",
    `COM_RESET_CONNECTION failed: ${why}; the connection is closed`,
  );
}
