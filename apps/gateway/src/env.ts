import { parseKey } from "@sluice/secrets/secret-box";
import { z } from "zod";

const ZGatewayProcessEnv = z.object({
  /** The store the gateway reads its directory and policy from, and writes sessions to. */
  SLUICE_GATEWAY_STORE_URL: z.string().url(),
  /** The 32-byte key for secrets at rest (base64 or hex): the one the store's secrets were sealed with. */
  SLUICE_GATEWAY_SECRET_KEY: z.string().min(1),
  /** `off` keeps the keyed hash in JavaScript (to measure the native module's worth). */
  SLUICE_NATIVE_HASH: z.enum(["on", "off"]).default("on"),
  /** Starts the HTTP listener on this port (0: a free one); unset: no HTTP listener. */
  SLUICE_GATEWAY_HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Starts the MCP endpoint on this port (0: a free one); unset: no MCP endpoint. */
  SLUICE_GATEWAY_MCP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** `on` serves TLS (material generated in the process's temporary home); off by default. */
  SLUICE_GATEWAY_TLS: z.enum(["on", "off"]).default("off"),
});

export type GatewayProcessEnv = {
  storeUrl: string;
  secretKey: Buffer;
  isNativeKeyedHashAllowed: boolean;
  httpPort: number | null;
  mcpPort: number | null;
  isTlsEnabled: boolean;
};

/**
 * The only place the stand-alone gateway process reads process.env. A missing or malformed secret
 * key stops start-up with the variable's name: an empty key would seal nothing and open nothing.
 */
export function loadGatewayProcessEnv(source: NodeJS.ProcessEnv = process.env): GatewayProcessEnv {
  const parsed = ZGatewayProcessEnv.safeParse(source);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid environment: ${issues.join("; ")}`);
  }
  let secretKey: Buffer;
  try {
    secretKey = parseKey(parsed.data.SLUICE_GATEWAY_SECRET_KEY);
  } catch (error) {
    throw new Error(
      `invalid environment: SLUICE_GATEWAY_SECRET_KEY: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return {
    storeUrl: parsed.data.SLUICE_GATEWAY_STORE_URL,
    secretKey,
    isNativeKeyedHashAllowed: parsed.data.SLUICE_NATIVE_HASH === "on",
    httpPort: parsed.data.SLUICE_GATEWAY_HTTP_PORT ?? null,
    mcpPort: parsed.data.SLUICE_GATEWAY_MCP_PORT ?? null,
    isTlsEnabled: parsed.data.SLUICE_GATEWAY_TLS === "on",
  };
}
