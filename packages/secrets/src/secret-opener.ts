import { MAX_OPENED_SECRETS } from "./limits";
import { decryptSecret } from "./secret-box";

/** Opens sealed secrets under one key, as decryptSecret does, each box once per owner. */
export type SecretOpener = (box: string, aad: string) => string;

/**
 * A login's brokered password is read sealed from the store every time, and opening it (a GCM
 * context, base64 decoding, the tag check) cost about 45 µs of the gateway's CPU per connect in a
 * profile (bench/gateway-cpu.ts). Each owner's (AAD's) last box and what it opened to are kept in
 * memory: the same box under the same owner opens to the same text, so only an exact match is
 * answered from it. A changed stored secret is a new box (its IV is random) and is opened, and
 * checked, at once; an altered box or one copied to another owner is decrypted and refused as
 * before. What is kept stays in this closure: nothing logs it or puts it in an error.
 */
export function createSecretOpener(key: Buffer, maxOwners = MAX_OPENED_SECRETS): SecretOpener {
  const opened = new Map<string, { box: string; plaintext: string }>();
  return (box, aad) => {
    const kept = opened.get(aad);
    if (kept?.box === box) return kept.plaintext;
    const plaintext = decryptSecret(box, key, aad);
    // The owner's older box is forgotten with it; past the cap, the owner opened longest ago.
    opened.delete(aad);
    opened.set(aad, { box, plaintext });
    if (opened.size > maxOwners) opened.delete(opened.keys().next().value as string);
    return plaintext;
  };
}
