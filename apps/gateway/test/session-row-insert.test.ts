import { describe, expect, it } from "vitest";
import { newSessionId } from "../src/session-row-insert";

describe("newSessionId", () => {
  it("has the shape of Prisma's cuid() and is unique across a burst of one millisecond", () => {
    const ids = Array.from({ length: 10_000 }, () => newSessionId());
    for (const id of ids.slice(0, 100)) expect(id).toMatch(/^c[0-9a-z]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("starts with the time, so ids sort roughly by when their session started", () => {
    const before = newSessionId();
    const later = Date.now() + 1;
    while (Date.now() < later) {}
    expect(newSessionId().slice(1, 9) > before.slice(1, 9)).toBe(true);
  });
});
