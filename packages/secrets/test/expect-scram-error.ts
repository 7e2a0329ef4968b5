import { expect } from "vitest";
import { ScramError, type ScramErrorKind } from "../src/scram-error";

/** Asserts that `run` throws a ScramError of this kind (and nothing else, such as a TypeError). */
export function expectScramError(run: () => unknown, kind: ScramErrorKind, message?: RegExp): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ScramError);
  expect((thrown as ScramError).kind).toBe(kind);
  if (message) expect((thrown as ScramError).message).toMatch(message);
}
