/**
 * The one error type for what a client sees: always a SQLSTATE; FATAL only when the connection is
 * about to close. Internal failures become a generic message here and are logged, never echoed.
 */
export class ClientError extends Error {
  constructor(
    readonly severity: "ERROR" | "FATAL",
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly detail?: string,
    /** 1-based character position in the statement text, as the server's Position field. */
    readonly position?: number,
    /**
     * For an error the gateway answers in the server's place, exactly as the server raises it: where
     * in the server's source (F, L, R fields; libpq shows them as LOCATION in verbose mode). Sluice's
     * own refusals have none: no server source raises them.
     */
    readonly source?: { file: string; line: string; routine: string },
  ) {
    super(message);
    this.name = "ClientError";
  }

  static fatal(code: string, message: string, hint?: string): ClientError {
    return new ClientError("FATAL", code, message, hint);
  }

  static error(code: string, message: string, hint?: string): ClientError {
    return new ClientError("ERROR", code, message, hint);
  }

  /** For anything unexpected: the client learns that something failed, not what or where. */
  static internal(): ClientError {
    return new ClientError("FATAL", "XX000", "internal error in the Sluice gateway; the session was closed");
  }
}
