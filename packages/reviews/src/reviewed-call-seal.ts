import { createHmac } from "node:crypto";
import { deriveKey } from "@sluice/secrets/derive-key";
import { decryptSecret, encryptSecret } from "@sluice/secrets/secret-box";

/**
 * An HTTP call under review may carry secrets or personal data in its body. Its review row keeps
 * it two ways, neither of them clear: masked (what reviewers and the audit log read, see the
 * gateway's recorded-exchange) and sealed here (the exact call, which only a gateway opens, to run
 * it once approved). The hash that finds the same call again is keyed too: a plain SHA-256 of a
 * short body could be reversed by guessing.
 */
export type ReviewedCallKeys = { seal: Buffer; hash: Buffer };

/** Who a sealed call belongs to: a box copied onto another agent's or connection's review does not open. */
export type ReviewedCallOwner = { agentId: string; connectionId: string };

export function reviewedCallKeys(secretKey: Buffer): ReviewedCallKeys {
  return {
    seal: deriveKey(secretKey, "reviewed-call-seal"),
    hash: deriveKey(secretKey, "reviewed-call-hash"),
  };
}

/** Identifies "the exact same call" for approve-once grants and retries (HMAC-SHA256, hex). */
export function reviewedCallHash(keys: ReviewedCallKeys, call: string): string {
  return createHmac("sha256", keys.hash).update(call).digest("hex");
}

export function sealReviewedCall(keys: ReviewedCallKeys, call: string, owner: ReviewedCallOwner): string {
  return encryptSecret(call, keys.seal, sealOwner(owner, reviewedCallHash(keys, call)));
}

/** The exact call a review approved; throws SecretBoxError when the box is not this review's. */
export function openReviewedCall(
  keys: ReviewedCallKeys,
  sealed: string,
  owner: ReviewedCallOwner & { statementHash: string },
): string {
  return decryptSecret(sealed, keys.seal, sealOwner(owner, owner.statementHash));
}

function sealOwner(owner: ReviewedCallOwner, hash: string): string {
  return `sluice-review:${owner.agentId}:${owner.connectionId}:${hash}`;
}
