import { describe, expect, it } from "vitest";
import { StoreRetries } from "../src/recording/store-retries";

/** A write the store refuses `refusals` times, then takes: counts its attempts. */
function refusedThenTaken(refusals: number) {
  const write = async () => {
    write.attempts += 1;
    if (write.attempts <= refusals) throw new Error(`refused ${write.attempts}`);
  };
  write.attempts = 0;
  return write;
}

describe("store retries", () => {
  it("keeps trying past its waits until the store takes the write, and says once when they are spent", async () => {
    const retries = new StoreRetries([1, 2]);
    const write = refusedThenTaken(5);
    const spent: unknown[] = [];
    expect(await retries.untilStored(write, { onSpent: (error) => spent.push(error) })).toBeNull();
    expect(write.attempts).toBe(6);
    expect(spent).toEqual([new Error("refused 3")]);
  });

  it("takes a refusal the caller knows is stored as stored", async () => {
    const retries = new StoreRetries([1]);
    const write = refusedThenTaken(10);
    expect(await retries.untilStored(write, { isDone: (error) => String(error).includes("2") })).toBeNull();
    expect(write.attempts).toBe(2);
  });

  it("gives up once closed, with the attempts made and the last refusal", async () => {
    const retries = new StoreRetries([60_000]);
    const write = refusedThenTaken(Number.POSITIVE_INFINITY);
    const pending = retries.untilStored(write);
    // The first refusal is waiting out a minute: close cuts the wait and allows one more attempt.
    await new Promise((resolve) => setTimeout(resolve, 10));
    retries.close();
    expect(await pending).toEqual({ attempts: 2, error: new Error("refused 2") });
  });
});
