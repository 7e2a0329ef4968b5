import { CatalogEpoch } from "@sluice/policy/catalog-epoch";
import { CODE_MAX_AGE_MS, CODE_REFRESH_AFTER_MS } from "@sluice/policy/code-freshness";
import { type CatalogSnapshot, catalogSnapshot } from "@sluice/policy/column-catalog";
import { describe, expect, it } from "vitest";

/** A front end's catalog whose snapshot the test swaps, counting the reads asked for. */
function catalogs(first: CatalogSnapshot | null) {
  let current = first;
  let reads = 0;
  return {
    access: {
      current: () => current,
      refresh: async () => {
        reads += 1;
        return current as CatalogSnapshot;
      },
    },
    swap: (next: CatalogSnapshot) => {
      current = next;
    },
    reads: () => reads,
  };
}

const readAt = (at: number) => catalogSnapshot([], undefined, at);

describe("CatalogEpoch: the snapshot a prepared statement was judged under", () => {
  it("stays while the snapshot is the same and fresh, and moves with a new one", () => {
    const upstream = catalogs(readAt(1_000));
    const epoch = new CatalogEpoch(upstream.access);
    const judged = epoch.now(1_000);
    expect(epoch.now(1_500)).toBe(judged);
    upstream.swap(readAt(1_600));
    expect(epoch.now(1_700)).not.toBe(judged);
    expect(upstream.reads()).toBe(0);
  });

  it("asks for a read behind once the snapshot is due one, and moves when it is too old", () => {
    const upstream = catalogs(readAt(0));
    const epoch = new CatalogEpoch(upstream.access);
    const judged = epoch.now(0);
    expect(epoch.now(CODE_REFRESH_AFTER_MS + 1)).toBe(judged);
    expect(upstream.reads()).toBe(1);
    expect(epoch.now(CODE_MAX_AGE_MS + 1)).not.toBe(judged);
  });

  it("counts nothing for a front end without a snapshot (MySQL)", () => {
    const epoch = new CatalogEpoch(undefined);
    expect(epoch.now(0)).toBe(epoch.now(60_000));
  });
});
