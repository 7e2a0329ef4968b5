import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { z } from "zod";

/** Keys are read again after this long, when a token asks for them (issuers rotate daily at most). */
export const JWKS_MAX_AGE_MS = 10 * 60_000;
/** At most one fetch per source in this window: a flood of tokens with made-up `kid`s costs one fetch. */
export const JWKS_REFRESH_COOLDOWN_MS = 30_000;
/** A JWKS or discovery document larger than this is not a key set. */
const MAX_DOCUMENT_BYTES = 256 * 1024;
const FETCH_TIMEOUT_MS = 5_000;

/** Where an issuer's keys are: its own `jwks_uri` (explicit, e.g. a Kubernetes cluster's), or discovery. */
export type KeySource = { issuer: string; jwksUri: string | null };

export type JwksCacheOptions = {
  /** Replaces `fetch` (tests); must return the parsed JSON body or throw. */
  fetchJson?: (url: string) => Promise<unknown>;
  now?: () => number;
  maxAgeMs?: number;
  refreshCooldownMs?: number;
  log?: (line: string) => void;
};

const ZDiscovery = z.object({ issuer: z.string(), jwks_uri: z.string() });
const ZKeySet = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });

type Entry = {
  keys: ReturnType<typeof createLocalJWKSet> | null;
  fetchedAt: number;
  lastAttemptAt: number;
  inFlight: Promise<void> | null;
};

/**
 * Issuers' signing keys, per source. Offline-safe: a failed refresh keeps the last good keys, so a
 * gateway that loses its IdP keeps accepting tokens signed with keys it already knows. Rotation: a
 * token naming a key not in the set triggers one refresh (rate-limited), then is judged again.
 */
export class JwksCache {
  private readonly entries = new Map<string, Entry>();
  private readonly fetchJson: (url: string) => Promise<unknown>;
  private readonly now: () => number;
  private readonly maxAgeMs: number;
  private readonly cooldownMs: number;

  constructor(private readonly options: JwksCacheOptions = {}) {
    this.fetchJson = options.fetchJson ?? fetchJsonBounded;
    this.now = options.now ?? Date.now;
    this.maxAgeMs = options.maxAgeMs ?? JWKS_MAX_AGE_MS;
    this.cooldownMs = options.refreshCooldownMs ?? JWKS_REFRESH_COOLDOWN_MS;
  }

  /** A key resolver for jose's `jwtVerify`, reading this source's cached keys. */
  keyResolver(source: KeySource): JWTVerifyGetKey {
    return async (header, token) => {
      const entry = await this.current(source);
      if (!entry.keys) throw new errors.JWKSNoMatchingKey("the issuer's keys could not be read");
      try {
        return await entry.keys(header, token);
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey) || !this.mayRefresh(entry)) throw error;
        await this.refresh(source, entry);
        if (!entry.keys) throw error;
        return entry.keys(header, token);
      }
    };
  }

  private async current(source: KeySource): Promise<Entry> {
    const key = sourceKey(source);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { keys: null, fetchedAt: 0, lastAttemptAt: Number.NEGATIVE_INFINITY, inFlight: null };
      this.entries.set(key, entry);
    }
    const isStale = entry.keys === null || this.now() - entry.fetchedAt > this.maxAgeMs;
    if (isStale && this.mayRefresh(entry)) await this.refresh(source, entry);
    return entry;
  }

  private mayRefresh(entry: Entry): boolean {
    return entry.inFlight !== null || this.now() - entry.lastAttemptAt >= this.cooldownMs;
  }

  /** One fetch at a time per source; a failure keeps whatever keys the entry had. */
  private refresh(source: KeySource, entry: Entry): Promise<void> {
    if (entry.inFlight) return entry.inFlight;
    entry.lastAttemptAt = this.now();
    entry.inFlight = this.load(source)
      .then((keySet) => {
        entry.keys = createLocalJWKSet(keySet);
        entry.fetchedAt = this.now();
      })
      .catch((error: unknown) => {
        const kept = entry.keys ? "; keeping the keys read before" : "";
        this.options.log?.(`reading the keys of ${source.issuer} failed: ${describe(error)}${kept}`);
      })
      .finally(() => {
        entry.inFlight = null;
      });
    return entry.inFlight;
  }

  private async load(source: KeySource): Promise<JSONWebKeySet> {
    let jwksUri = source.jwksUri;
    if (!jwksUri) {
      const discoveryUrl = `${source.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
      const discovery = ZDiscovery.parse(await this.fetchJson(assertTrustedUrl(discoveryUrl)));
      // A discovery document for another issuer would hand us someone else's keys.
      if (discovery.issuer !== source.issuer) {
        throw new Error(`discovery names issuer ${discovery.issuer}, not ${source.issuer}`);
      }
      jwksUri = discovery.jwks_uri;
    }
    return ZKeySet.parse(await this.fetchJson(assertTrustedUrl(jwksUri))) as JSONWebKeySet;
  }
}

function sourceKey(source: KeySource): string {
  return `${source.issuer}\n${source.jwksUri ?? ""}`;
}

/**
 * Keys read over plain HTTP could be swapped by anyone on the path, so only https is trusted, and
 * http only to this machine (the local provider, tests).
 */
export function assertTrustedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === "https:") return url;
  if (parsed.protocol === "http:" && isLoopbackHost(parsed.hostname)) return url;
  throw new Error(`${url}: keys are read over https only (http only from this machine)`);
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

async function fetchJsonBounded(url: string): Promise<unknown> {
  const response = await fetch(url, {
    redirect: "error",
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    headers: { accept: "application/json" },
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const text = await response.text();
  if (text.length > MAX_DOCUMENT_BYTES) throw new Error(`${url} sent more than ${MAX_DOCUMENT_BYTES} bytes`);
  return JSON.parse(text) as unknown;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
