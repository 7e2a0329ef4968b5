import { describe, expect, it } from "vitest";
import { reviewListKey, reviewStatusOf } from "../src/app/(console)/reviews/review-statuses";

describe("reviewStatusOf", () => {
  it("keeps a known filter from the URL", () => {
    expect(reviewStatusOf("pending")).toBe("pending");
    expect(reviewStatusOf("decided")).toBe("decided");
  });

  it("reads anything else as all, so the server's prefetch and the list agree on one key", () => {
    for (const requested of [null, undefined, "", "PENDING", "denied", "all"]) {
      expect(reviewStatusOf(requested)).toBe("all");
    }
    expect(reviewListKey(reviewStatusOf("bogus"))).toEqual(["reviews", "all"]);
  });
});
