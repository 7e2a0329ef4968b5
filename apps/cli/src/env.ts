import path from "node:path";
import { z } from "zod";

const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");

const ZPort = z.coerce.number().int().min(1).max(65535);

const ZEnv = z.object({
  /** Sluice's store. Unset: an embedded PostgreSQL is started under SLUICE_HOME. */
  DATABASE_URL: z.string().url().optional(),
  /** Where Sluice keeps its embedded cluster, keys and demo credentials. */
  SLUICE_HOME: z.string().default(path.join(REPO_ROOT, ".sluice")),
  SLUICE_CONSOLE_PORT: ZPort.default(3000),
  SLUICE_GATEWAY_PORT: ZPort.default(15432),
  /** The HTTP data path (`https://gateway:PORT/CONNECTION/...`). */
  SLUICE_HTTP_PORT: ZPort.default(18080),
  /** The MCP endpoint (`https://gateway:PORT/mcp`, Streamable HTTP, the agent token as bearer). */
  SLUICE_MCP_PORT: ZPort.default(18090),
  /** The MySQL/MariaDB listener (`mysql://agent:token@localhost:13306/connection`). */
  SLUICE_MYSQL_PORT: ZPort.default(13306),
  SLUICE_EMBEDDED_PG_PORT: ZPort.default(54329),
  /** The demo's own MariaDB (when installed); unset: a free loopback port at each start. */
  SLUICE_DEMO_MARIADB_PORT: ZPort.optional(),
  /** Gateway worker processes sharing SLUICE_GATEWAY_PORT; unset: one per core. */
  SLUICE_GATEWAY_WORKERS: z.coerce.number().int().min(1).max(256).optional(),
  /** The longest statement the gateway judges, in bytes (longer: 54000); unset: 16 MiB. */
  SLUICE_MAX_STATEMENT_BYTES: z.coerce.number().int().min(1024).optional(),
  /** 32-byte key (base64 or hex) for secrets at rest; unset: generated into SLUICE_HOME/secret.key. */
  SLUICE_SECRET_KEY: z.string().optional(),
  /** The local OpenID provider's port (used when OIDC_ISSUER is unset). */
  SLUICE_OIDC_PORT: ZPort.default(3001),
  /** Your identity provider; unset: a local OpenID provider with the demo users starts with Sluice. */
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  /** The claim carrying the user's groups (default `groups`). */
  OIDC_GROUPS_CLAIM: z.string().optional(),
  /** The local SAML IdP's port (used when SAML_IDP_METADATA_URL is unset and the demo runs). */
  SLUICE_SAML_PORT: ZPort.default(3002),
  /** Your SAML IdP's metadata URL; unset: a local SAML IdP with the demo users starts with Sluice. */
  SAML_IDP_METADATA_URL: z.string().url().optional(),
  /** The console's SAML signing key pair (PEM files); unset: generated under SLUICE_HOME/saml-sp. */
  SAML_SP_KEY_FILE: z.string().optional(),
  SAML_SP_CERT_FILE: z.string().optional(),
  /** The assertion attribute carrying the user's groups (default `groups`). */
  SAML_GROUPS_ATTRIBUTE: z.string().optional(),
  /** The console for `sluice api` and its shortcuts (default http://localhost:SLUICE_CONSOLE_PORT). */
  SLUICE_API_URL: z.string().url().optional(),
  /** An API token (`slt_…`); unset: the one `sluice login` stored. */
  SLUICE_API_TOKEN: z.string().optional(),
  /** Where `sluice login` keeps its token: $XDG_CONFIG_HOME/sluice, else $HOME/.config/sluice. */
  XDG_CONFIG_HOME: z.string().optional(),
  HOME: z.string().optional(),
  /** Where new reviews are announced (Slack-compatible JSON, signed with SLUICE_REVIEW_WEBHOOK_SECRET). */
  SLUICE_REVIEW_WEBHOOK_URL: z.string().url().optional(),
  SLUICE_REVIEW_WEBHOOK_SECRET: z.string().min(16).optional(),
  /** `off` keeps the masking keyed hash in JavaScript (to compare with the native module). */
  SLUICE_NATIVE_HASH: z.enum(["on", "off"]).default("on"),
  /** Skip the demo database and policy. */
  SLUICE_NO_DEMO: z
    .enum(["0", "1", "true", "false"])
    .optional()
    .transform((value) => value === "1" || value === "true"),
});

const ZEnvChecked = ZEnv.refine((env) => !env.SLUICE_REVIEW_WEBHOOK_URL || env.SLUICE_REVIEW_WEBHOOK_SECRET, {
  message:
    "SLUICE_REVIEW_WEBHOOK_URL needs SLUICE_REVIEW_WEBHOOK_SECRET (at least 16 characters) to sign its bodies",
  path: ["SLUICE_REVIEW_WEBHOOK_SECRET"],
})
  .refine((env) => Boolean(env.SAML_SP_KEY_FILE) === Boolean(env.SAML_SP_CERT_FILE), {
    message: "SAML_SP_KEY_FILE and SAML_SP_CERT_FILE go together",
    path: ["SAML_SP_KEY_FILE"],
  })
  .refine((env) => !env.OIDC_ISSUER || (env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET), {
    message: "OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET",
    path: ["OIDC_ISSUER"],
  });

export type Env = z.infer<typeof ZEnv> & {
  repoRoot: string;
  /** A variable named on the command line (`--password-env NAME`), read only when asked for. */
  variable: (name: string) => string | undefined;
};

/** The only place the CLI reads process.env; a bad value stops start-up with the variable's name. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = ZEnvChecked.safeParse(source);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid environment: ${issues.join("; ")}`);
  }
  return { ...parsed.data, repoRoot: REPO_ROOT, variable: (name) => source[name] };
}
