import { describe, expect, it } from "vitest";
import { chunkHash, GENESIS_HASH, type StoredChunk, verifyChain } from "../src/hash-chain";

function chain(payloads: string[]): StoredChunk[] {
  const chunks: StoredChunk[] = [];
  let prev = GENESIS_HASH;
  for (const [seq, text] of payloads.entries()) {
    const payload = Buffer.from(text);
    const hash = chunkHash(prev, seq, payload);
    chunks.push({ seq, prevHash: prev, hash, payload });
    prev = hash;
  }
  return chunks;
}

describe("recording hash chain", () => {
  const original = chain(["a\n", "b\n", "c\n", "d\n"]);

  it("verifies an untouched chain", () => {
    expect(verifyChain(original)).toEqual({ isVerified: true, chunks: 4 });
    expect(verifyChain([])).toEqual({ isVerified: true, chunks: 0 });
  });

  it("finds a modified chunk", () => {
    const edited = original.map((chunk) =>
      chunk.seq === 2 ? { ...chunk, payload: Buffer.from("C\n") } : chunk,
    );
    expect(verifyChain(edited)).toMatchObject({
      isVerified: false,
      brokenAt: 2,
      reason: "chunk 2 was modified",
    });
  });

  it("finds a modified chunk whose hash was recomputed (the next link breaks)", () => {
    const payload = Buffer.from("C\n");
    const edited = original.map((chunk) =>
      chunk.seq === 2 ? { ...chunk, payload, hash: chunkHash(chunk.prevHash, 2, payload) } : chunk,
    );
    expect(verifyChain(edited)).toMatchObject({
      isVerified: false,
      brokenAt: 3,
      reason: "chunk 3 does not follow chunk 2",
    });
  });

  it("finds reordered and deleted chunks", () => {
    const swapped = [original[0], original[2], original[1], original[3]] as StoredChunk[];
    expect(verifyChain(swapped)).toMatchObject({ isVerified: false, brokenAt: 1 });
    const renumbered = swapped.map((chunk, seq) => ({ ...chunk, seq }));
    expect(verifyChain(renumbered)).toMatchObject({ isVerified: false, brokenAt: 1 });
    const deleted = original.filter((chunk) => chunk.seq !== 1);
    expect(verifyChain(deleted)).toMatchObject({
      isVerified: false,
      brokenAt: 1,
      reason: "chunk 1 is missing (found seq 2)",
    });
    const lastDeletedRenumbered = original.slice(0, 3);
    expect(verifyChain(lastDeletedRenumbered).isVerified).toBe(true); // a truncated tail is caught by the session's end event instead
  });
});

describe("keyed chain and anchor", () => {
  const key = Buffer.alloc(32, 3);
  const chunks: StoredChunk[] = [];
  let prev = GENESIS_HASH;
  for (const [seq, text] of ["a\n", "b\n", "c\n"].entries()) {
    const payload = Buffer.from(text);
    const hash = chunkHash(prev, seq, payload, key);
    chunks.push({ seq, prevHash: prev, hash, payload });
    prev = hash;
  }
  const anchor = { chunks: 3, hash: prev };

  it("verifies only with the key", () => {
    expect(verifyChain(chunks, { key, anchor })).toEqual({ isVerified: true, chunks: 3 });
    expect(verifyChain(chunks, { key: Buffer.alloc(32, 4), anchor }).isVerified).toBe(false);
  });

  it("catches a cut tail and a replaced ending through the anchor", () => {
    expect(verifyChain(chunks.slice(0, 2), { key, anchor })).toMatchObject({
      isVerified: false,
      brokenAt: 2,
    });
    const forged = { ...anchor, hash: "0".repeat(64) };
    expect(verifyChain(chunks, { key, anchor: forged })).toMatchObject({ isVerified: false, brokenAt: 3 });
  });
});
