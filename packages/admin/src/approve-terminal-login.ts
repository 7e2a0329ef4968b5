import { API_TOKEN_HASH_PATTERN, API_TOKEN_SHOWN_PREFIX_PATTERN, loginCode } from "@sluice/secrets/api-token";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { parseInput } from "./admin-error";
import { storeApiToken, ZApiTokenInput } from "./api-tokens";
import { assertCan } from "./permissions";

/**
 * `sluice login`'s approval. The terminal generated the token and sends only its SHA-256 and its
 * shown prefix (through the approval link), so the token never crosses the network or passes
 * through a browser, and the store needs no table of pending requests: once approved, the
 * terminal's token simply starts to authenticate.
 */
export const ZTerminalLoginApproval = ZApiTokenInput.extend({
  tokenHash: z.string().regex(API_TOKEN_HASH_PATTERN, "64 lowercase hex digits (the token's SHA-256)"),
  prefix: z.string().regex(API_TOKEN_SHOWN_PREFIX_PATTERN, "slt_ and 6 characters"),
});

export async function approveTerminalLogin(context: AdminContext, options: { input: unknown }) {
  assertCan(context.actor, "tokens:own");
  const { tokenHash, prefix, ...input } = parseInput(ZTerminalLoginApproval, options.input);
  const saved = await storeApiToken(context, { input, tokenHash, prefix, via: "sluice login" });
  return { ...saved, code: loginCode(tokenHash) };
}
