import { WireError } from "@sluice/wire/wire-error";
import { expect } from "vitest";

/** Runs `fn`, asserts it threw a WireError with `code` (and `message`, if given), returns the error. */
export function expectWireError(fn: () => unknown, code: string, message?: RegExp): WireError {
  let thrown: unknown = null;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(WireError);
  const error = thrown as WireError;
  expect(error.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
  return error;
}
