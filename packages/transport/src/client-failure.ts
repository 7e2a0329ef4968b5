import { ClientError } from "@sluice/session/client-error";
import { WireError } from "@sluice/wire/wire-error";

/**
 * What a client is told when its connection ends on `error`: a FATAL with the error's SQLSTATE when
 * it is one the client may see; anything else is an internal error, logged and never echoed.
 */
export function fatalFor(error: unknown, log: (line: string) => void): ClientError {
  let clientError: ClientError;
  if (error instanceof ClientError) clientError = error;
  else if (error instanceof WireError) clientError = ClientError.fatal(error.code, error.message);
  else {
    log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    clientError = ClientError.internal();
  }
  return clientError.severity === "FATAL"
    ? clientError
    : new ClientError("FATAL", clientError.code, clientError.message, clientError.hint);
}

/** Text that is not UTF-8: an ERROR for that one message, as the server makes it, not the end. */
export function isUndecodable(error: unknown): error is WireError {
  return error instanceof WireError && error.code === "22021";
}
