import { mulberry32 } from "../mulberry32";

/** A small seeded PRNG (mulberry32), so a failing fuzz run can be replayed from its seed. */
export type Random = {
  /** 0 ≤ n < below */
  int: (below: number) => number;
  pick: <T>(items: readonly T[]) => T;
  chance: (probability: number) => boolean;
};

export function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  const int = (below: number) => Math.floor(next() * below);
  return {
    int,
    pick: (items) => items[int(items.length)] as (typeof items)[number],
    chance: (probability) => next() < probability,
  };
}
