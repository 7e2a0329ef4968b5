import { parseKey } from "@sluice/secrets/secret-box";
import { z } from "zod";

const ZConsoleEnv = z.object({
  DATABASE_URL: z.string().url(),
  /** The key for secrets at rest (the same one the gateway uses to open brokered passwords). */
  SLUICE_SECRET_KEY: z.string().min(1),
  /** The console's public URL; its origin is the only one allowed to send cookie-authenticated changes. */
  NEXTAUTH_URL: z.string().url(),
  NEXTAUTH_SECRET: z.string().min(32),
  OIDC_ISSUER: z.string().url(),
  OIDC_CLIENT_ID: z.string().min(1),
  OIDC_CLIENT_SECRET: z.string().min(1),
  /** The claim that carries the user's IdP groups. */
  OIDC_GROUPS_CLAIM: z.string().default("groups"),
  OIDC_SCOPE: z.string().default("openid email profile groups"),
  /** How agents reach the gateway, for the connection strings the console shows. */
  SLUICE_GATEWAY_HOST: z.string().default("localhost"),
  SLUICE_GATEWAY_PORT: z.coerce.number().int().min(1).max(65535).default(15432),
  /** The gateway's CA certificate file, for `sslmode=verify-full` in the snippets. */
  SLUICE_GATEWAY_CA_FILE: z.string().optional(),
});

export type ConsoleEnv = z.infer<typeof ZConsoleEnv> & { secretKey: Buffer; origin: string };

let cached: ConsoleEnv | null = null;

/**
 * The only reader of process.env in the console. Read on first use, not at import, because
 * `next build` imports route modules without a running Sluice around them.
 */
export function env(): ConsoleEnv {
  if (cached) return cached;
  const parsed = ZConsoleEnv.safeParse(process.env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid console environment: ${issues.join("; ")}`);
  }
  cached = {
    ...parsed.data,
    secretKey: parseKey(parsed.data.SLUICE_SECRET_KEY),
    origin: new URL(parsed.data.NEXTAUTH_URL).origin,
  };
  return cached;
}
