import type { HttpConnectionPolicy } from "@sluice/http-policy/rules";
import { compileMasking, type ResponseMasking } from "@sluice/http-policy/value-masking";
import type { HttpConnectionRecord, HttpDirectory } from "./http-directory";
import { AUTH_CACHE_MS } from "./http-limits";

/**
 * Connection records, so a keep-alive agent does not cost a store read per call. A record is reused
 * only while the policy version it was read under is current: every change to a connection bumps
 * that version, and the policy store hears of it by NOTIFY, so the next call reads the change. The
 * AUTH_CACHE_MS bound stays as a backstop for a version move the gateway has not heard of yet.
 */
export class ConnectionCache {
  private readonly entries = new Map<
    string,
    { record: HttpConnectionRecord | null; until: number; version: number }
  >();
  constructor(
    private readonly directory: HttpDirectory,
    /** The policy store's local version: it moves on every reload that a store change caused. */
    private readonly policyVersion: () => number,
  ) {}

  async find(name: string): Promise<HttpConnectionRecord | null> {
    const version = this.policyVersion();
    const cached = this.entries.get(name);
    if (cached && cached.version === version && cached.until > Date.now()) return cached.record;
    const record = await this.directory.findConnection(name);
    this.entries.set(name, { record, until: Date.now() + AUTH_CACHE_MS, version });
    return record;
  }

  /** Disabled, removed or access lost: the next call reads the record (and its groups) again. */
  forget(connectionId: string): void {
    for (const [name, entry] of this.entries)
      if (entry.record?.connectionId === connectionId) this.entries.delete(name);
  }
}

/** Compiled masking per policy object (a reload makes new ones) and agent groups. */
export function maskingCache(hashKey: Buffer) {
  const byPolicy = new WeakMap<HttpConnectionPolicy, Map<string, ResponseMasking>>();
  // An agent record's groups are one array while it is cached: their key is made once, not per call.
  const keys = new WeakMap<readonly string[], string>();
  return (policy: HttpConnectionPolicy, groups: readonly string[]): ResponseMasking => {
    let byGroups = byPolicy.get(policy);
    if (!byGroups) {
      byGroups = new Map();
      byPolicy.set(policy, byGroups);
    }
    let key = keys.get(groups);
    if (key === undefined) {
      key = [...groups].sort().join("\0");
      keys.set(groups, key);
    }
    let masking = byGroups.get(key);
    if (!masking) {
      masking = compileMasking(policy.masking, groups, hashKey);
      byGroups.set(key, masking);
    }
    return masking;
  };
}
