import type { Duplex } from "node:stream";
import { ClientError } from "@sluice/session/client-error";
import { errorBytes } from "@sluice/session/protocol-bytes";
import { WireError } from "@sluice/wire/wire-error";

/**
 * The FATAL a failing connection ends with: a ClientError as it is (raised to FATAL), a WireError
 * with its code; anything else is logged and answered as an internal error, never echoed.
 */
export function closingFatal(error: unknown, log: (line: string) => void): ClientError {
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

/** Sends `fatal` as the client's last message and ends it; a socket that cannot take it is destroyed. */
export function endWithFatal(client: Duplex, fatal: ClientError): void {
  try {
    client.end(errorBytes(fatal));
  } catch {
    client.destroy();
  }
}
