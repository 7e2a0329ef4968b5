import { parseArgs } from "node:util";

const TLS_MODES = ["disable", "prefer", "require", "verify-ca", "verify-full"] as const;

/** Flags of `connections create/update`, named after the API's fields (`--read-only` → isReadOnly). */
export const CONNECTION_OPTIONS = {
  host: { type: "string" },
  port: { type: "string" },
  database: { type: "string" },
  username: { type: "string" },
  description: { type: "string" },
  "tls-mode": { type: "string" },
  "tls-ca-file": { type: "string" },
  "tls-server-name": { type: "string" },
  "allow-group": { type: "string", multiple: true },
  "read-only": { type: "boolean" },
  "strict-masking": { type: "boolean" },
  "require-client-tls": { type: "boolean" },
  disabled: { type: "boolean" },
  "password-env": { type: "string" },
  "password-stdin": { type: "boolean" },
  json: { type: "boolean" },
} as const;

/** The API fields a command line sets; absent flags leave the field as it is (or its default). */
export type ConnectionChanges = {
  description?: string;
  host?: string;
  port?: number;
  database?: string;
  username?: string;
  tlsMode?: string;
  tlsServerName?: string;
  requireClientTls?: boolean;
  isReadOnly?: boolean;
  isStrictMasking?: boolean;
  isDisabled?: boolean;
  allowedGroups?: string[];
};

export type ParsedConnectionArgs = {
  name: string | undefined;
  changes: ConnectionChanges;
  /** Read by the caller: a file path, and where the password comes from (never a flag's value). */
  tlsCaFile?: string;
  password: { from: "env"; name: string } | { from: "stdin" } | null;
  isJson: boolean;
};

/** Parses `NAME --flag …`; throws with the flag's name on a bad value. */
export function parseConnectionArgs(args: string[]): ParsedConnectionArgs {
  const { values, positionals } = parseArgs({
    args,
    options: CONNECTION_OPTIONS,
    allowPositionals: true,
    allowNegative: true,
    strict: true,
  });
  if (positionals.length > 1) throw new Error(`one connection name expected, got ${positionals.join(" ")}`);
  const changes: ConnectionChanges = {};
  if (values.host !== undefined) changes.host = values.host;
  if (values.database !== undefined) changes.database = values.database;
  if (values.username !== undefined) changes.username = values.username;
  if (values.description !== undefined) changes.description = values.description;
  if (values["tls-server-name"] !== undefined) changes.tlsServerName = values["tls-server-name"];
  if (values.port !== undefined) {
    if (!/^\d+$/.test(values.port)) throw new Error(`--port: a whole number, got ${values.port}`);
    changes.port = Number(values.port);
  }
  const tlsMode = values["tls-mode"];
  if (tlsMode !== undefined) {
    const mode = tlsMode.toLowerCase().replace(/_/g, "-");
    if (!(TLS_MODES as readonly string[]).includes(mode))
      throw new Error(`--tls-mode: one of ${TLS_MODES.join(", ")}, got ${tlsMode}`);
    changes.tlsMode = mode.toUpperCase().replace(/-/g, "_");
  }
  if (values["allow-group"] !== undefined) changes.allowedGroups = values["allow-group"];
  if (values["read-only"] !== undefined) changes.isReadOnly = values["read-only"];
  if (values["strict-masking"] !== undefined) changes.isStrictMasking = values["strict-masking"];
  if (values["require-client-tls"] !== undefined) changes.requireClientTls = values["require-client-tls"];
  if (values.disabled !== undefined) changes.isDisabled = values.disabled;
  if (values["password-env"] !== undefined && values["password-stdin"])
    throw new Error("give one of --password-env and --password-stdin");
  const password = values["password-env"]
    ? ({ from: "env", name: values["password-env"] } as const)
    : values["password-stdin"]
      ? ({ from: "stdin" } as const)
      : null;
  return {
    name: positionals[0],
    changes,
    tlsCaFile: values["tls-ca-file"],
    password,
    isJson: values.json === true,
  };
}
