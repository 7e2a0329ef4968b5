import { createHash, randomBytes } from "node:crypto";

/**
 * A minimal relying party for tests: walks the authorization-code + PKCE flow over plain HTTP with
 * a cookie jar, the way a browser and the console's server would.
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(";")[0] ?? "";
      const index = pair.indexOf("=");
      this.cookies.set(pair.slice(0, index), pair.slice(index + 1));
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

export async function fetchWithJar(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, {
    ...init,
    redirect: "manual",
    headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
  });
  jar.store(response);
  return response;
}

export function pkcePair() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** Follows redirects within `origin` until one leaves it; returns that off-origin location. */
export async function followUntilLeaving(jar: CookieJar, start: string, origin: string): Promise<string> {
  let location = start;
  for (let hop = 0; hop < 10; hop++) {
    const url = new URL(location, origin);
    if (url.origin !== origin) return url.toString();
    const response = await fetchWithJar(jar, url.toString());
    const next = response.headers.get("location");
    if (!next)
      throw new Error(`expected a redirect from ${url}, got ${response.status}: ${await response.text()}`);
    location = next;
  }
  throw new Error("too many redirects");
}
