import { describe, expect, it } from "vitest";
import { MAX_ID_SLOTS, MySqlSessionIds, slotOfConnectionId } from "../src/mysql/mysql-session-ids";

const asker = { agentId: "agent-1", connectionId: "conn-1" };
const session = { ...asker, upstreamThreadId: 77 };

describe("MySQL connection ids across gateway workers", () => {
  it("hands out ids that name their worker's slot and never collide between slots", () => {
    const first = new MySqlSessionIds({ slot: 0 });
    const second = new MySqlSessionIds({ slot: 1 });
    const ids = Array.from({ length: 100 }, () => [first.allocate(), second.allocate()]).flat();
    expect(new Set(ids).size).toBe(200);
    expect(ids.every((id) => id > 0 && id < 2 ** 31)).toBe(true);
    expect(ids.filter((_, index) => index % 2 === 1).every((id) => slotOfConnectionId(id) === 1)).toBe(true);
  });

  it("asks the owning worker for an id of another slot, and answers only the same agent locally", async () => {
    const asked: number[] = [];
    const ids = new MySqlSessionIds({
      slot: 2,
      remote: async (id) => {
        asked.push(id);
        return 99;
      },
    });
    const mine = ids.allocate();
    ids.register(mine, session);
    expect(await ids.upstreamThreadFor(mine, asker)).toBe(77);
    expect(await ids.upstreamThreadFor(mine, { ...asker, agentId: "agent-2" })).toBeNull();
    expect(ids.localUpstreamThreadFor(mine, { ...asker, connectionId: "conn-2" })).toBeNull();
    const elsewhere = MAX_ID_SLOTS * 5 + 3;
    expect(await ids.upstreamThreadFor(elsewhere, asker)).toBe(99);
    expect(asked).toEqual([elsewhere]);
    // Without a route to other workers, another slot's id is nobody's.
    expect(await new MySqlSessionIds().upstreamThreadFor(elsewhere, asker)).toBeNull();
  });

  it("refuses a slot outside the id space", () => {
    expect(() => new MySqlSessionIds({ slot: MAX_ID_SLOTS })).toThrow(/slot/);
  });
});
