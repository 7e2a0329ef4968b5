import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type Configuration, errors, type KoaContextWithOIDC } from "oidc-provider";
import type { IdpMaterial } from "./idp-material";
import { renderLoginPage, renderLogoutPage } from "./login-page";

export type LocalIdpUser = { email: string; name: string; groups: readonly string[]; password: string };

export type LocalIdpOptions = {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  users: readonly LocalIdpUser[];
  material: IdpMaterial;
  client: { clientId: string; redirectUris: string[]; postLogoutRedirectUris: string[] };
  /** Machine clients that get workload tokens (client credentials grant) for Sluice's gateway. */
  workloadClients?: readonly LocalWorkloadClient[];
  log?: (line: string) => void;
};

/**
 * A workload (an agent's runtime) that asks for a token with the client credentials grant and
 * `resource=<audience>`; the token is a signed JWT whose `sub` is the client id and whose `groups`
 * claim holds these groups.
 */
export type LocalWorkloadClient = {
  clientId: string;
  clientSecret: string;
  audience: string;
  groups: readonly string[];
  /** How long its tokens are valid; absent: WORKLOAD_TOKEN_TTL_SECONDS (tests ask for seconds). */
  ttlSeconds?: number;
};

/** How long a workload token is valid: short, as such tokens are meant to be. */
export const WORKLOAD_TOKEN_TTL_SECONDS = 300;

export type LocalIdp = { issuer: string; clientId: string; clientSecret: string; close: () => Promise<void> };

/** Wrong passwords allowed per email in LOGIN_FAILURE_WINDOW_MS before sign-in is refused for the rest of it. */
export const MAX_LOGIN_FAILURES = 10;
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;

/** A login form body is two short fields; anything larger is not a person typing. */
const MAX_FORM_BYTES = 4096;
const CLIENT_NAME = "the Sluice console";

/**
 * A real OpenID Connect provider (`oidc-provider`) for the embedded default and tests: the console
 * signs in through the same authorization-code + PKCE flow, discovery and signed ID tokens it uses
 * with a production IdP, offline. Users and their groups come from the demo state.
 */
export async function startLocalIdp(options: LocalIdpOptions): Promise<LocalIdp> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${options.host}:${port}`;
  const provider = new Provider(issuer, configuration(options));
  const callback = provider.callback();
  const failures = new Map<string, { count: number; resetAt: number }>();

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", issuer);
    const interaction = /^\/interaction\/([\w-]+)$/.exec(url.pathname);
    if (!interaction) {
      callback(req, res);
      return;
    }
    handleInteraction(provider, options, failures, req, res).catch((error: unknown) => {
      options.log?.(`local identity provider: interaction failed: ${String(error)}`);
      if (!res.headersSent) {
        res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
        res.end("This sign-in attempt expired or is invalid. Go back to the console and sign in again.");
      }
    });
  });

  return {
    issuer,
    clientId: options.client.clientId,
    clientSecret: options.material.clientSecret,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function configuration(options: LocalIdpOptions): Configuration {
  const byEmail = new Map(options.users.map((user) => [user.email.toLowerCase(), user]));
  const workloads = new Map((options.workloadClients ?? []).map((client) => [client.clientId, client]));
  return {
    clients: [
      ...[...workloads.values()].map((workload) => ({
        client_id: workload.clientId,
        client_secret: workload.clientSecret,
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: "client_secret_basic" as const,
      })),
      {
        client_id: options.client.clientId,
        client_secret: options.material.clientSecret,
        client_name: CLIENT_NAME,
        redirect_uris: options.client.redirectUris,
        post_logout_redirect_uris: options.client.postLogoutRedirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
    async findAccount(_ctx: KoaContextWithOIDC, sub: string) {
      const user = byEmail.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          email: user.email,
          email_verified: true,
          name: user.name,
          groups: [...user.groups],
        }),
      };
    },
    jwks: { keys: [options.material.signingKey as never] },
    cookies: { keys: [options.material.cookieKey] },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // The console sends people here when they sign out: end the provider's session too, at once
        // (the form carries the provider's own anti-forgery token), so the next sign-in asks again.
        logoutSource: async (ctx, form) => {
          ctx.type = "html";
          ctx.body = renderLogoutPage(form);
        },
      },
      clientCredentials: { enabled: workloads.size > 0 },
      resourceIndicators: {
        enabled: true,
        // Only a workload client, and only for its own audience, gets a (JWT) access token for Sluice.
        getResourceServerInfo: (_ctx, resource, client) => {
          const workload = workloads.get(client.clientId);
          if (!workload || workload.audience !== resource) throw new errors.InvalidTarget();
          return {
            audience: resource,
            scope: "gateway",
            accessTokenFormat: "jwt",
            accessTokenTTL: workload.ttlSeconds ?? WORKLOAD_TOKEN_TTL_SECONDS,
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
    },
    extraTokenClaims: (_ctx, token) => {
      const workload = token.clientId ? workloads.get(token.clientId) : undefined;
      return workload ? { groups: [...workload.groups] } : undefined;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    ttl: { Session: 8 * 3600, Interaction: 600, Grant: 8 * 3600, AccessToken: 600, IdToken: 600 },
    renderError: async (ctx, out) => {
      ctx.type = "text/plain; charset=utf-8";
      ctx.body = `Sign-in error: ${out.error}${out.error_description ? ` (${out.error_description})` : ""}`;
    },
  };
}

async function handleInteraction(
  provider: Provider,
  options: LocalIdpOptions,
  failures: Map<string, { count: number; resetAt: number }>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const action = `/interaction/${details.uid}`;
  if (details.prompt.name === "login") {
    if (req.method !== "POST")
      return sendHtml(res, 200, renderLoginPage({ action, clientName: CLIENT_NAME }));
    const form = await readForm(req);
    const email = (form.get("email") ?? "").trim().toLowerCase();
    const now = Date.now();
    const record = failures.get(email);
    if (record && record.resetAt > now && record.count >= MAX_LOGIN_FAILURES) {
      const page = renderLoginPage({
        action,
        clientName: CLIENT_NAME,
        email,
        error: "Too many wrong passwords; try again in 15 minutes.",
      });
      return sendHtml(res, 429, page);
    }
    const user = options.users.find((candidate) => candidate.email.toLowerCase() === email);
    if (!user || !samePassword(form.get("password") ?? "", user.password)) {
      const current =
        record && record.resetAt > now ? record : { count: 0, resetAt: now + LOGIN_FAILURE_WINDOW_MS };
      failures.set(email, { ...current, count: current.count + 1 });
      const page = renderLoginPage({
        action,
        clientName: CLIENT_NAME,
        email,
        error: "Unknown email or wrong password.",
      });
      return sendHtml(res, 401, page);
    }
    failures.delete(email);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: email } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  // The console is this provider's only client and first-party: consent is implied, so it is granted
  // for exactly what was asked, without a screen.
  const accountId = details.session?.accountId;
  if (!accountId) throw new Error("consent without a signed-in account");
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  if (!grant) throw new Error("the interaction's grant no longer exists");
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

function samePassword(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_FORM_BYTES) throw new Error("sign-in form too large");
  }
  return new URLSearchParams(body);
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
  });
  res.end(html);
}
