import { WireError } from "@sluice/wire/wire-error";

/** Text that is not UTF-8: an ERROR for that one message, as the server makes it, not the end. */
export function isUndecodable(error: unknown): error is WireError {
  return error instanceof WireError && error.code === "22021";
}
