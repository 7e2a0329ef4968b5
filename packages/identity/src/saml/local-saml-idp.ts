import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import * as samlify from "samlify";
import type { LocalIdpUser } from "../local-idp";
import { renderLoginPage } from "../login-page";
import { renderAutoPostPage } from "./auto-post-page";
import { buildLoginResponseXml } from "./login-response-template";
import type { SigningKeyPair } from "./saml-key-pair";
import { SAML_BINDINGS } from "./saml-settings";

export type LocalSamlIdpOptions = {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  users: readonly LocalIdpUser[];
  signing: SigningKeyPair;
  /** The console's SP metadata (from its own generator), which the IdP trusts for requests and ACS. */
  spMetadata: string;
  /** Encrypt each assertion to the SP metadata's encryption certificate (AES-256-GCM, RSA-OAEP). */
  encryptAssertions?: boolean;
  log?: (line: string) => void;
};

export type LocalSamlIdp = {
  entityId: string;
  metadataUrl: string;
  metadata: string;
  /**
   * A signed LogoutRequest (HTTP-Redirect, to the SP's SLO endpoint) ending `email`'s sessions, as
   * `/logout` sends a signed-in browser; tests use it to send one without a browser.
   */
  logoutRequestUrl: (email: string, sessionIndex?: string) => string;
  close: () => Promise<void>;
};

const SESSION_COOKIE = "sluice_saml_idp";
const SESSION_TTL_MS = 8 * 3600_000;
const PENDING_TTL_MS = 10 * 60_000;
const MAX_FORM_BYTES = 4096;
const MAX_LOGIN_FAILURES = 10;
const EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

type IdpSession = { email: string; sessionIndex: string; expiresAt: number };
type PendingLogin = { requestId: string; relayState: string; expiresAt: number };

/** XSD validation by libxml2 compiled to WebAssembly; the package ships JavaScript without types. */
const xmllint = createRequire(import.meta.url)("@authenio/samlify-xmllint-wasm") as {
  validate: (xml: string) => Promise<true>;
};
let isValidatorSet = false;

/**
 * A real SAML 2.0 identity provider (samlify, schema-validated by xmllint compiled to WebAssembly)
 * for the embedded default and tests: it verifies the console's signed AuthnRequests, signs
 * assertions carrying the demo users' groups, keeps its own session cookie (so "sign in" after a
 * console-only sign-out goes straight through, like a real IdP) and ends it on a signed
 * LogoutRequest (SLO), answering with a signed LogoutResponse.
 */
export async function startLocalSamlIdp(options: LocalSamlIdpOptions): Promise<LocalSamlIdp> {
  if (!isValidatorSet) {
    samlify.setSchemaValidator(xmllint);
    isValidatorSet = true;
  }
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://${options.host}:${port}`;
  const entityId = `${base}/metadata`;
  const idp = samlify.IdentityProvider({
    entityID: entityId,
    privateKey: options.signing.key,
    signingCert: options.signing.cert,
    nameIDFormat: [EMAIL_FORMAT],
    requestSignatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    wantAuthnRequestsSigned: true,
    wantLogoutRequestSigned: true,
    singleSignOnService: [{ Binding: SAML_BINDINGS.redirect, Location: `${base}/sso` }],
    singleLogoutService: [{ Binding: SAML_BINDINGS.redirect, Location: `${base}/slo` }],
    ...(options.encryptAssertions
      ? {
          isAssertionEncrypted: true,
          dataEncryptionAlgorithm: "http://www.w3.org/2009/xmlenc11#aes256-gcm",
          keyEncryptionAlgorithm: "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
        }
      : {}),
  });
  const sp = samlify.ServiceProvider({
    metadata: options.spMetadata,
    wantLogoutResponseSigned: true,
    // The IdP signs the LogoutRequests it starts (IdP-initiated logout): the SP accepts no other.
    wantLogoutRequestSigned: true,
  });
  const logoutRequestUrl = (email: string, sessionIndex?: string): string =>
    (
      idp.createLogoutRequest(sp, "redirect", {
        logoutNameID: email,
        ...(sessionIndex ? { sessionIndex } : {}),
      }) as { context: string }
    ).context;
  const sessions = new Map<string, IdpSession>();
  const pending = new Map<string, PendingLogin>();
  const failures = new Map<string, number>();

  const respondWithAssertion = async (res: ServerResponse, login: PendingLogin, session: IdpSession) => {
    const user = options.users.find((candidate) => candidate.email === session.email);
    if (!user) throw new Error("the session's user no longer exists");
    const result = (await idp.createLoginResponse(
      sp,
      { extract: { request: { id: login.requestId } } },
      "post",
      { email: user.email },
      {
        relayState: login.relayState,
        customTagReplacement: (template) =>
          buildLoginResponseXml(template, {
            idpEntityId: entityId,
            spEntityId: sp.entityMeta.getEntityID(),
            acsUrl: String(sp.entityMeta.getAssertionConsumerService("post")),
            inResponseTo: login.requestId,
            user,
            sessionIndex: session.sessionIndex,
          }),
      },
    )) as { context: string; entityEndpoint: string; relayState?: string };
    sendHtml(
      res,
      200,
      renderAutoPostPage({
        action: result.entityEndpoint,
        fields: {
          SAMLResponse: result.context,
          ...(login.relayState ? { RelayState: login.relayState } : {}),
        },
      }),
    );
  };

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      options.log?.(`local SAML identity provider: ${String(error)}`);
      if (!res.headersSent) {
        res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
        res.end("This SAML request is invalid or expired. Go back to the console and sign in again.");
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", base);
    const now = Date.now();
    if (url.pathname === "/metadata") {
      res.writeHead(200, { "content-type": "application/samlmetadata+xml" });
      res.end(idp.getMetadata());
      return;
    }
    if (url.pathname === "/sso" && req.method === "GET") {
      const parsed = await idp.parseLoginRequest(sp, "redirect", redirectRequest(url));
      const request = parsed.extract as { request?: { id?: string } };
      const requestId = request.request?.id;
      if (!requestId) throw new Error("AuthnRequest without an ID");
      const login = {
        requestId,
        relayState: url.searchParams.get("RelayState") ?? "",
        expiresAt: now + PENDING_TTL_MS,
      };
      const session = sessionFrom(req, sessions, now);
      if (session) return respondWithAssertion(res, login, session);
      const pendingId = randomBytes(16).toString("hex");
      pending.set(pendingId, login);
      return sendHtml(
        res,
        200,
        renderLoginPage({ action: `/login/${pendingId}`, clientName: "the Sluice console (SAML)" }),
      );
    }
    const loginMatch = /^\/login\/([0-9a-f]{32})$/.exec(url.pathname);
    if (loginMatch && req.method === "POST") {
      const pendingId = loginMatch[1] as string;
      const login = pending.get(pendingId);
      if (!login || login.expiresAt < now) throw new Error("unknown or expired sign-in");
      const form = await readForm(req);
      const email = (form.get("email") ?? "").trim().toLowerCase();
      const action = `/login/${pendingId}`;
      if ((failures.get(email) ?? 0) >= MAX_LOGIN_FAILURES) {
        return sendHtml(
          res,
          429,
          renderLoginPage({
            action,
            clientName: "the Sluice console (SAML)",
            email,
            error: "Too many wrong passwords.",
          }),
        );
      }
      const user = options.users.find((candidate) => candidate.email.toLowerCase() === email);
      if (!user || !samePassword(form.get("password") ?? "", user.password)) {
        failures.set(email, (failures.get(email) ?? 0) + 1);
        return sendHtml(
          res,
          401,
          renderLoginPage({
            action,
            clientName: "the Sluice console (SAML)",
            email,
            error: "Unknown email or wrong password.",
          }),
        );
      }
      pending.delete(pendingId);
      failures.delete(email);
      const sessionId = randomBytes(32).toString("base64url");
      const session = {
        email: user.email,
        sessionIndex: `_${randomBytes(16).toString("hex")}`,
        expiresAt: now + SESSION_TTL_MS,
      };
      sessions.set(sessionId, session);
      res.setHeader(
        "set-cookie",
        `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_TTL_MS / 1000}`,
      );
      return respondWithAssertion(res, login, session);
    }
    if (url.pathname === "/logout" && req.method === "GET") {
      // IdP-initiated logout: this IdP session ends, and the SP is asked to end the console's.
      const session = sessionFrom(req, sessions, now);
      if (!session) return sendHtml(res, 200, "<p>You are not signed in here.</p>");
      for (const [id, held] of sessions) if (held === session) sessions.delete(id);
      res.writeHead(302, {
        location: logoutRequestUrl(session.email, session.sessionIndex),
        "set-cookie": `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`,
      });
      res.end();
      return;
    }
    if (url.pathname === "/slo" && req.method === "GET" && url.searchParams.has("SAMLResponse")) {
      // The SP's signed answer to a logout this IdP started.
      await idp.parseLogoutResponse(sp, "redirect", redirectRequest(url));
      return sendHtml(res, 200, "<p>You are signed out of Sluice and of this identity provider.</p>");
    }
    if (url.pathname === "/slo" && req.method === "GET") {
      const parsed = await idp.parseLogoutRequest(sp, "redirect", redirectRequest(url));
      const extract = parsed.extract as {
        nameID?: string;
        sessionIndex?: string | string[];
        request?: { id?: string };
      };
      for (const [id, session] of sessions) {
        if (session.email === extract.nameID) sessions.delete(id);
      }
      const answer = idp.createLogoutResponse(
        sp,
        { ...parsed },
        "redirect",
        url.searchParams.get("RelayState") ?? "",
      ) as {
        context: string;
      };
      res.writeHead(302, {
        location: answer.context,
        "set-cookie": `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`,
      });
      res.end();
      return;
    }
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end("not found");
  }

  return {
    entityId,
    metadataUrl: `${base}/metadata`,
    metadata: idp.getMetadata(),
    logoutRequestUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** samlify verifies a redirect-binding signature over the query exactly as sent, so pass it raw. */
function redirectRequest(url: URL) {
  const raw = url.search.replace(/^\?/, "").split("&");
  const pick = (name: string) => raw.find((part) => part.startsWith(`${name}=`));
  const octetString = ["SAMLRequest", "SAMLResponse", "RelayState", "SigAlg"]
    .map(pick)
    .filter((part): part is string => part !== undefined)
    .join("&");
  return { query: Object.fromEntries(url.searchParams), octetString };
}

function sessionFrom(
  req: IncomingMessage,
  sessions: Map<string, IdpSession>,
  now: number,
): IdpSession | null {
  const cookie = (req.headers.cookie ?? "")
    .split(/;\s*/)
    .find((part) => part.startsWith(`${SESSION_COOKIE}=`))
    ?.slice(SESSION_COOKIE.length + 1);
  const session = cookie ? sessions.get(cookie) : undefined;
  return session && session.expiresAt > now ? session : null;
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

function sendHtml(
  res: ServerResponse,
  status: number,
  page: { html: string; scriptHash?: string } | string,
): void {
  const { html, scriptHash } = typeof page === "string" ? { html: page, scriptHash: undefined } : page;
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "content-security-policy": `default-src 'none'; style-src 'unsafe-inline'; form-action *${scriptHash ? `; script-src '${scriptHash}'` : ""}`,
  });
  res.end(html);
}
