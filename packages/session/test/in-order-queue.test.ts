import { describe, expect, it } from "vitest";
import { InOrderQueue } from "../src/in-order-queue";
import { PortalNames } from "../src/portal-names";

describe("InOrderQueue", () => {
  it("gives items back oldest first, and again from the start once emptied", () => {
    const queue = new InOrderQueue<string>();
    for (const round of ["a", "b"]) {
      queue.push(`${round}1`);
      queue.push(`${round}2`);
      expect(queue.peek()).toBe(`${round}1`);
      expect([queue.at(0), queue.at(1), queue.at(2)]).toEqual([`${round}1`, `${round}2`, undefined]);
      expect(queue.shift()).toBe(`${round}1`);
      expect(queue.at(0)).toBe(`${round}2`);
      expect(queue.shift()).toBe(`${round}2`);
      expect([queue.size, queue.peek(), queue.shift()]).toEqual([0, undefined, undefined]);
    }
  });

  it("keeps the order of a long pipeline across the moves of what is left", () => {
    const queue = new InOrderQueue<number>();
    let next = 0;
    let expected = 0;
    // Pushes outpace shifts, then the queue drains: every item comes out once, in order.
    for (let i = 0; i < 1000; i += 1) {
      queue.push(next++);
      queue.push(next++);
      expect(queue.shift()).toBe(expected++);
      expect(queue.size).toBe(next - expected);
      expect(queue.at(queue.size - 1)).toBe(next - 1);
    }
    while (queue.size > 0) expect(queue.shift()).toBe(expected++);
    expect(expected).toBe(next);
    queue.push(7);
    expect([queue.peek(), queue.size]).toEqual([7, 1]);
  });
});

describe("PortalNames", () => {
  it("holds the unnamed portal and named ones alike, and none once cleared", () => {
    const portals = new PortalNames<{ id: number }>();
    const unnamed = { id: 1 };
    const named = { id: 2 };
    portals.set("", unnamed);
    portals.set("p", named);
    expect([portals.get(""), portals.get("p"), portals.get("q")]).toEqual([unnamed, named, undefined]);
    portals.delete("");
    expect([portals.get(""), portals.get("p")]).toEqual([undefined, named]);
    portals.set("", unnamed);
    portals.clear();
    expect([portals.get(""), portals.get("p")]).toEqual([undefined, undefined]);
  });

  it("counts and lists the unnamed portal with the named ones, as a SQL FETCH may read any", () => {
    const portals = new PortalNames<{ id: number }>();
    expect([portals.size, [...portals.values()]]).toEqual([0, []]);
    portals.set("", { id: 1 });
    expect([portals.size, [...portals.values()]]).toEqual([1, [{ id: 1 }]]);
    portals.set("k", { id: 2 });
    expect([portals.size, [...portals.values()]]).toEqual([2, [{ id: 1 }, { id: 2 }]]);
    portals.delete("");
    expect([portals.size, [...portals.values()]]).toEqual([1, [{ id: 2 }]]);
  });
});
