import { encodeErr } from "@sluice/mysql-wire/responses";

/** MySQL error codes the gateway itself answers with (the server's own numbers, so clients map them). */
export const ER_ACCESS_DENIED = 1045;
/** "Too many connections": the client's retry-later answer, as the Postgres path's 57P03. */
export const ER_CON_COUNT = 1040;
export const ER_DBACCESS_DENIED = 1044;
export const ER_SPECIFIC_ACCESS_DENIED = 1227;
export const ER_UNKNOWN_COM = 1047;
export const ER_PARSE = 1064;
export const ER_NET_PACKETS_OUT_OF_ORDER = 1156;
export const ER_UNKNOWN_STMT_HANDLER = 1243;
export const ER_QUERY_INTERRUPTED = 1317;

/**
 * The one error type for what a MySQL client sees from the gateway: an error code, a SQLSTATE and
 * a message. `isFatal` errors are followed by closing the connection.
 */
export class MySqlClientError extends Error {
  constructor(
    readonly code: number,
    readonly sqlState: string,
    message: string,
    readonly isFatal = false,
  ) {
    super(message);
  }

  /** The ERR packet's payload. */
  payload(): Buffer {
    return encodeErr({ code: this.code, sqlState: this.sqlState, message: this.message });
  }

  static refused(message: string): MySqlClientError {
    return new MySqlClientError(ER_SPECIFIC_ACCESS_DENIED, "42000", message);
  }

  static fatal(code: number, sqlState: string, message: string): MySqlClientError {
    return new MySqlClientError(code, sqlState, message, true);
  }
}
