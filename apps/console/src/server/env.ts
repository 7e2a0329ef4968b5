import { parseKey } from "@sluice/secrets/secret-box";
import { z } from "zod";

const ZConsoleEnv = z.object({
  DATABASE_URL: z.string().url(),
  /** The key for secrets at rest (the same one the gateway uses to open brokered passwords). */
  SLUICE_SECRET_KEY: z.string().min(1),
  /** The console's public URL; its origin is the only one allowed to send cookie-authenticated changes. */
  NEXTAUTH_URL: z.string().url(),
  NEXTAUTH_SECRET: z.string().min(32),
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** The claim that carries the user's IdP groups. */
  OIDC_GROUPS_CLAIM: z.string().default("groups"),
  OIDC_SCOPE: z.string().default("openid email profile groups"),
  /** SAML sign-in: the IdP's metadata (URL, read at sign-in and cached briefly) … */
  SAML_IDP_METADATA_URL: z.string().url().optional(),
  /** … and the console's own signing key pair (PEM files), published in its SP metadata. */
  SAML_SP_KEY_FILE: z.string().optional(),
  SAML_SP_CERT_FILE: z.string().optional(),
  /** Assertion attributes that carry groups, email and display name. */
  SAML_GROUPS_ATTRIBUTE: z.string().default("groups"),
  SAML_EMAIL_ATTRIBUTE: z.string().default("email"),
  SAML_NAME_ATTRIBUTE: z.string().default("name"),
  /** How agents reach the gateway, for the connection strings the console shows. */
  SLUICE_GATEWAY_HOST: z.string().default("localhost"),
  SLUICE_GATEWAY_PORT: z.coerce.number().int().min(1).max(65535).default(15432),
  /** The gateway's MySQL and HTTP listeners (`SLUICE_MYSQL_PORT`, `SLUICE_HTTP_PORT` of `sluice start`). */
  SLUICE_GATEWAY_MYSQL_PORT: z.coerce.number().int().min(1).max(65535).default(13306),
  SLUICE_GATEWAY_HTTP_PORT: z.coerce.number().int().min(1).max(65535).default(18080),
  /** The gateway's CA certificate file, for `sslmode=verify-full` in the snippets. */
  SLUICE_GATEWAY_CA_FILE: z.string().optional(),
});

const ZConsoleEnvChecked = ZConsoleEnv.refine(
  (env) => !env.OIDC_ISSUER || (env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET),
  { message: "OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET", path: ["OIDC_ISSUER"] },
)
  .refine((env) => !env.SAML_IDP_METADATA_URL || (env.SAML_SP_KEY_FILE && env.SAML_SP_CERT_FILE), {
    message:
      "SAML_IDP_METADATA_URL needs SAML_SP_KEY_FILE and SAML_SP_CERT_FILE (the console signs its requests)",
    path: ["SAML_IDP_METADATA_URL"],
  })
  .refine((env) => env.OIDC_ISSUER || env.SAML_IDP_METADATA_URL, {
    message: "nobody could sign in: set OIDC_ISSUER or SAML_IDP_METADATA_URL",
    path: ["OIDC_ISSUER"],
  });

export type ConsoleEnv = z.infer<typeof ZConsoleEnv> & { secretKey: Buffer; origin: string };

let cached: ConsoleEnv | null = null;

/**
 * The only reader of process.env in the console. Read on first use, not at import, because
 * `next build` imports route modules without a running Sluice around them.
 */
export function env(): ConsoleEnv {
  if (cached) return cached;
  const parsed = ZConsoleEnvChecked.safeParse(process.env);
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
