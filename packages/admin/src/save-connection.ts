import { randomUUID } from "node:crypto";
import { bumpPolicyVersion } from "@sluice/db/policy-version";
import { connectionSecretAad } from "@sluice/db/seed/create-connection";
import {
  DEFAULT_POOL_SIZE,
  DEFAULT_POOL_WAIT_SECONDS,
  MAX_POOL_SIZE,
  MAX_POOL_WAIT_SECONDS,
} from "@sluice/policy/pool-limits";
import { upstreamHostProblem } from "@sluice/policy/upstream-host";
import { encryptSecret } from "@sluice/secrets/secret-box";
import { z } from "zod";
import type { AdminContext } from "./actor";
import { AdminError, isUniqueViolation, parseInput } from "./admin-error";
import {
  CONNECTION_TYPES,
  connectionKindProblems,
  HTTP_AUTH_KINDS,
  MAX_HTTP_TIMEOUT_SECONDS,
} from "./connection-kinds";
import { toConnectionView } from "./connection-view";
import { upsertGroups, ZGroupNames, ZName } from "./names";
import { assertCan } from "./permissions";
import { recordAudit } from "./record-audit";

/** Every field a connection has, nothing defaulted: what a PATCH may name. */
const ZConnectionFields = z.object({
  name: ZName,
  /** What the upstream speaks; agents reach it on that kind's listener (docs/mysql.md, docs/http.md). */
  type: z.enum(CONNECTION_TYPES),
  description: z.string().trim().max(500).optional().nullable(),
  host: z
    .string()
    .trim()
    .min(1, "required")
    .max(253, "at most 253 characters")
    .superRefine((host, context) => {
      const problem = host === "" ? null : upstreamHostProblem(host);
      if (problem) context.addIssue({ code: "custom", message: problem });
    }),
  port: z.coerce.number().int("a whole number").min(1, "1 to 65535").max(65535, "1 to 65535"),
  /** The upstream database (Postgres, MySQL) or the base path below which agents call (HTTP). */
  database: z.string().trim().min(1, "required").max(253, "at most 253 characters"),
  /** The upstream user: every database connection's, and an HTTP one's only with basic auth (checked per kind). */
  username: z.string().trim().max(63, "at most 63 characters"),
  /** Write-only: empty or absent keeps the stored password when editing. */
  password: z.string().max(1000).optional(),
  tlsMode: z.enum(["DISABLE", "PREFER", "REQUIRE", "VERIFY_CA", "VERIFY_FULL"]),
  tlsCaPem: z.string().trim().max(20_000).optional().nullable(),
  tlsServerName: z.string().trim().max(253).optional().nullable(),
  requireClientTls: z.boolean(),
  /** HTTP connections: how the brokered secret (the password) reaches the upstream; null sends none. */
  httpAuthKind: z.enum(HTTP_AUTH_KINDS).optional().nullable(),
  httpAuthHeader: z.string().trim().max(100).optional().nullable(),
  /** HTTP connections: seconds to answer and to go silent while streaming; null keeps 30 s / 60 s. */
  httpTimeoutSeconds: z.coerce
    .number()
    .int("a whole number")
    .min(1, `1 to ${MAX_HTTP_TIMEOUT_SECONDS}`)
    .max(MAX_HTTP_TIMEOUT_SECONDS, `1 to ${MAX_HTTP_TIMEOUT_SECONDS}`)
    .optional()
    .nullable(),
  isReadOnly: z.boolean(),
  isStrictMasking: z.boolean(),
  isDisabled: z.boolean(),
  poolSize: z.coerce
    .number()
    .int("a whole number")
    .min(0, `0 to ${MAX_POOL_SIZE}`)
    .max(MAX_POOL_SIZE, `0 to ${MAX_POOL_SIZE}`),
  poolWaitSeconds: z.coerce
    .number()
    .int("a whole number")
    .min(0, `0 to ${MAX_POOL_WAIT_SECONDS}`)
    .max(MAX_POOL_WAIT_SECONDS, `0 to ${MAX_POOL_WAIT_SECONDS}`),
  allowedGroups: z.array(ZName).max(100),
});

/** Creating: what is omitted takes its default. */
export const ZConnectionInput = ZConnectionFields.extend({
  type: ZConnectionFields.shape.type.default("POSTGRES"),
  username: ZConnectionFields.shape.username.default(""),
  tlsMode: ZConnectionFields.shape.tlsMode.default("PREFER"),
  requireClientTls: z.boolean().default(false),
  isReadOnly: z.boolean().default(false),
  isStrictMasking: z.boolean().default(false),
  isDisabled: z.boolean().default(false),
  poolSize: ZConnectionFields.shape.poolSize.default(DEFAULT_POOL_SIZE),
  poolWaitSeconds: ZConnectionFields.shape.poolWaitSeconds.default(DEFAULT_POOL_WAIT_SECONDS),
  allowedGroups: ZGroupNames,
});

/**
 * Updating (PATCH): a field that is omitted keeps its stored value. Defaults here would quietly
 * reset what the request did not name (a pool size back to the default because a client sent only the field it meant to change).
 */
export const ZConnectionPatch = ZConnectionFields.partial();

export type ConnectionInput = z.input<typeof ZConnectionInput>;

export type SaveConnectionOptions = { id?: string; input: unknown };

type ConnectionFields = z.output<typeof ZConnectionInput>;
type StoredConnection = Omit<ConnectionFields, "password" | "allowedGroups"> & {
  access: { group: { name: string } }[];
};

/**
 * Creates a connection (`id` absent: omitted fields take their defaults) or updates one (`id`
 * given: the input is a patch, and only the fields it names change). The brokered password is
 * encrypted and never returned.
 */
export async function saveConnection(context: AdminContext, options: SaveConnectionOptions) {
  assertCan(context.actor, "policy:write");
  const patch = options.id ? parseInput(ZConnectionPatch, options.input) : null;
  const created = patch ? null : parseInput(ZConnectionInput, options.input);
  try {
    return await context.db.$transaction(async (db) => {
      const before = options.id
        ? await db.connection.findUnique({
            where: { id: options.id },
            include: { access: { include: { group: true } } },
          })
        : null;
      if (options.id && !before) throw new AdminError("not_found", "no such connection");
      const merged: ConnectionFields =
        before && patch ? { ...storedFields(before), ...patch } : (created as ConnectionFields);
      // An HTTP upstream is sent a user only with basic auth: otherwise none is kept (one stored
      // before, when every connection needed a user, is dropped rather than refused on each edit).
      const input =
        patch && patch.username === undefined && !sendsUser(merged) ? { ...merged, username: "" } : merged;
      // An HTTP upstream without a CA of its own is verified against the system's CAs (docs/http.md).
      const isVerifying = input.tlsMode === "VERIFY_CA" || input.tlsMode === "VERIFY_FULL";
      if (isVerifying && !input.tlsCaPem && input.type !== "HTTP") {
        throw new AdminError("invalid", "some fields need attention", {
          tlsCaPem:
            "verify-ca and verify-full need the CA certificate (PEM) that signs the upstream's certificate",
        });
      }
      const kindProblems = connectionKindProblems(input, Boolean(before?.passwordCipher));
      if (Object.keys(kindProblems).length > 0)
        throw new AdminError("invalid", "some fields need attention", kindProblems);
      // The stored password goes only where it was typed for: pointing the connection elsewhere
      // (host, port, user, TLS) needs it typed again, or "test connection" would hand it over.
      if (before?.passwordCipher && !input.password && addressChanged(before, input)) {
        throw new AdminError("invalid", "some fields need attention", {
          password:
            "type the password again: the upstream's kind, address, user, TLS or authentication changed",
        });
      }
      const id = options.id ?? randomUUID();
      const groups = await upsertGroups(db, input.allowedGroups);
      const { password, allowedGroups: _groups, ...fields } = input;
      const data = {
        ...fields,
        description: fields.description || null,
        tlsCaPem: fields.tlsCaPem || null,
        tlsServerName: fields.tlsServerName || null,
        httpAuthKind: fields.httpAuthKind ?? null,
        httpAuthHeader: fields.httpAuthKind === "HEADER" ? fields.httpAuthHeader || null : null,
        httpTimeoutSeconds: fields.httpTimeoutSeconds ?? null,
        ...(password
          ? { passwordCipher: encryptSecret(password, context.secretKey, connectionSecretAad(id)) }
          : {}),
      };
      if (before) await db.connectionAccess.deleteMany({ where: { connectionId: id } });
      const saved = before
        ? await db.connection.update({
            where: { id },
            data: { ...data, access: { create: groups.map((group) => ({ groupId: group.id })) } },
            include: { access: { include: { group: true } } },
          })
        : await db.connection.create({
            data: { id, ...data, access: { create: groups.map((group) => ({ groupId: group.id })) } },
            include: { access: { include: { group: true } } },
          });
      await recordAudit(db, context.actor, {
        action: before ? "connection.update" : "connection.create",
        targetType: "connection",
        targetId: id,
        before: before ? toConnectionView(before) : undefined,
        after: { ...toConnectionView(saved), ...(password ? { passwordChanged: true } : {}) },
      });
      await bumpPolicyVersion(db);
      return toConnectionView(saved);
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AdminError("conflict", "a connection with that name exists", { name: "already in use" });
    }
    throw error;
  }
}

/** A stored connection as the input that would save it unchanged (its password stays where it is). */
function storedFields(stored: StoredConnection): ConnectionFields {
  return {
    name: stored.name,
    type: stored.type,
    description: stored.description,
    host: stored.host,
    port: stored.port,
    database: stored.database,
    username: stored.username,
    tlsMode: stored.tlsMode,
    tlsCaPem: stored.tlsCaPem,
    tlsServerName: stored.tlsServerName,
    requireClientTls: stored.requireClientTls,
    httpAuthKind: stored.httpAuthKind,
    httpAuthHeader: stored.httpAuthHeader,
    httpTimeoutSeconds: stored.httpTimeoutSeconds,
    isReadOnly: stored.isReadOnly,
    isStrictMasking: stored.isStrictMasking,
    isDisabled: stored.isDisabled,
    poolSize: stored.poolSize,
    poolWaitSeconds: stored.poolWaitSeconds,
    allowedGroups: stored.access.map((access) => access.group.name),
  };
}

/**
 * Whether the stored secret would go somewhere it was not typed for: another upstream, user, TLS
 * setting, protocol, or (HTTP) another way of presenting it.
 */
function addressChanged(
  before: {
    type: string;
    httpAuthKind: string | null;
    httpAuthHeader: string | null;
    host: string;
    port: number;
    username: string;
    database: string;
    tlsMode: string;
    tlsCaPem: string | null;
    tlsServerName: string | null;
  },
  input: {
    type: string;
    httpAuthKind?: string | null;
    httpAuthHeader?: string | null;
    host: string;
    port: number;
    username: string;
    database: string;
    tlsMode: string;
    tlsCaPem?: string | null;
    tlsServerName?: string | null;
  },
): boolean {
  return (
    before.type !== input.type ||
    (before.httpAuthKind ?? "") !== (input.httpAuthKind ?? "") ||
    (before.httpAuthHeader ?? "") !== (input.httpAuthHeader ?? "") ||
    before.host !== input.host ||
    before.port !== input.port ||
    (before.username !== input.username && sendsUser(input)) ||
    before.database !== input.database ||
    before.tlsMode !== input.tlsMode ||
    (before.tlsCaPem ?? "") !== (input.tlsCaPem ?? "") ||
    (before.tlsServerName ?? "") !== (input.tlsServerName ?? "")
  );
}

/** Whether the upstream is sent the connection's user: every database, an HTTP API only with basic auth. */
function sendsUser(connection: { type: string; httpAuthKind?: string | null }): boolean {
  return connection.type !== "HTTP" || connection.httpAuthKind === "BASIC";
}
