import { generateApiToken, hashApiToken, loginCode, shownPrefix } from "@sluice/secrets/api-token";

export type LoginRequest = {
  /** Stays in this process until the console approves its hash; then it is the API token. */
  token: string;
  /** The console page that approves it: carries the token's hash and shown prefix, never the token. */
  link: string;
  /** Shown here and on that page, so the person can tell the page approves this terminal. */
  code: string;
};

/**
 * `sluice login` is the device flow of RFC 8628 with the device code replaced by the API token
 * itself: the terminal generates the token, the person approves its hash in the console while
 * signed in (any identity provider), and the terminal polls by simply trying the token.
 */
export function createLoginRequest(consoleUrl: string, tokenName: string): LoginRequest {
  const token = generateApiToken();
  const tokenHash = hashApiToken(token);
  const query = new URLSearchParams({ key: tokenHash, prefix: shownPrefix(token), name: tokenName });
  return { token, link: `${consoleUrl}/cli-login?${query}`, code: loginCode(tokenHash) };
}
