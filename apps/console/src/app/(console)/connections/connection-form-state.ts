import { type ConnectionType, DEFAULT_PORTS, type HttpAuthKind } from "@sluice/admin/connection-kinds";
import type { ConnectionView } from "@sluice/admin/connection-view";
import type { ZConnectionInput } from "@sluice/admin/save-connection";
import { DEFAULT_POOL_SIZE, DEFAULT_POOL_WAIT_SECONDS } from "@sluice/policy/pool-limits";
import type { z } from "zod";

export type ConnectionInput = z.input<typeof ZConnectionInput>;
export type TlsMode = ConnectionView["tlsMode"];

/** Every field as the form holds it: text as typed, so a half-typed number is not lost. */
export type ConnectionForm = {
  type: ConnectionType;
  name: string;
  description: string;
  host: string;
  port: string;
  database: string;
  username: string;
  password: string;
  tlsMode: TlsMode;
  tlsCaPem: string;
  allowedGroups: string;
  isReadOnly: boolean;
  isStrictMasking: boolean;
  requireClientTls: boolean;
  isDisabled: boolean;
  poolSize: string;
  poolWaitSeconds: string;
  /** "" sends no credential upstream. */
  httpAuthKind: HttpAuthKind | "";
  httpAuthHeader: string;
  /** "" keeps the gateway's defaults (30 s to answer, 60 s of silence). */
  httpTimeoutSeconds: string;
};

export function connectionFormOf(connection: ConnectionView | null): ConnectionForm {
  const type = connection?.type ?? "POSTGRES";
  return {
    type,
    name: connection?.name ?? "",
    description: connection?.description ?? "",
    host: connection?.host ?? "",
    port: String(connection?.port ?? DEFAULT_PORTS[type]),
    database: connection?.database ?? "",
    username: connection?.username ?? "",
    password: "",
    tlsMode: connection?.tlsMode ?? "PREFER",
    tlsCaPem: connection?.tlsCaPem ?? "",
    allowedGroups: connection?.allowedGroups.join(", ") ?? "",
    isReadOnly: connection?.isReadOnly ?? false,
    isStrictMasking: connection?.isStrictMasking ?? false,
    requireClientTls: connection?.requireClientTls ?? false,
    isDisabled: connection?.isDisabled ?? false,
    poolSize: String(connection?.poolSize ?? DEFAULT_POOL_SIZE),
    poolWaitSeconds: String(connection?.poolWaitSeconds ?? DEFAULT_POOL_WAIT_SECONDS),
    httpAuthKind: connection?.httpAuthKind ?? "",
    httpAuthHeader: connection?.httpAuthHeader ?? "",
    httpTimeoutSeconds: connection?.httpTimeoutSeconds ? String(connection.httpTimeoutSeconds) : "",
  };
}

/**
 * A new kind picked: the port follows when it was still the old kind's default (a typed port is
 * kept), and an HTTP connection starts with a bearer secret and the root as its base path.
 */
export function withType(form: ConnectionForm, type: ConnectionType): ConnectionForm {
  const port =
    form.port === String(DEFAULT_PORTS[form.type]) || form.port === ""
      ? String(DEFAULT_PORTS[type])
      : form.port;
  const notHttp = {
    ...form,
    type,
    port,
    httpAuthKind: "" as const,
    httpAuthHeader: "",
    httpTimeoutSeconds: "",
  };
  if (type !== "HTTP") return notHttp;
  return {
    ...form,
    type,
    port,
    database: form.database || "/",
    httpAuthKind: form.httpAuthKind || "BEARER",
    // HTTP has no "encrypt but trust anyone" mode: PREFER verifies as VERIFY_FULL does.
    tlsMode: form.tlsMode === "PREFER" || form.tlsMode === "REQUIRE" ? "VERIFY_FULL" : form.tlsMode,
  };
}

/** The API's input: numbers as numbers, HTTP-only fields only on HTTP connections. */
export function connectionInputOf(
  form: ConnectionForm,
  splitNames: (text: string) => string[],
): ConnectionInput {
  const isHttp = form.type === "HTTP";
  return {
    type: form.type,
    name: form.name,
    description: form.description,
    host: form.host,
    port: Number(form.port),
    database: form.database,
    // An HTTP upstream is sent a user only with basic auth; the field is hidden otherwise.
    username: isHttp && form.httpAuthKind !== "BASIC" ? "" : form.username,
    password: form.password,
    tlsMode: form.tlsMode,
    tlsCaPem: form.tlsCaPem,
    allowedGroups: splitNames(form.allowedGroups),
    isReadOnly: form.isReadOnly,
    isStrictMasking: isHttp ? false : form.isStrictMasking,
    requireClientTls: form.requireClientTls,
    isDisabled: form.isDisabled,
    poolSize: Number(form.poolSize),
    poolWaitSeconds: Number(form.poolWaitSeconds),
    httpAuthKind: isHttp && form.httpAuthKind ? form.httpAuthKind : null,
    httpAuthHeader: isHttp && form.httpAuthKind === "HEADER" ? form.httpAuthHeader : null,
    // An empty field is "the defaults"; anything typed goes as typed, so "abc" gets the API's message.
    httpTimeoutSeconds: isHttp && form.httpTimeoutSeconds.trim() !== "" ? form.httpTimeoutSeconds : null,
  };
}

/** What an upstream is, in one line of the table. */
export function describeUpstream(connection: ConnectionView): string {
  if (connection.type === "HTTP") {
    const scheme = connection.tlsMode === "DISABLE" ? "http" : "https";
    const base = connection.database === "/" ? "" : connection.database;
    return `${scheme}://${connection.host}:${connection.port}${base}`;
  }
  return `${connection.username}@${connection.host}:${connection.port}/${connection.database}`;
}

export const KIND_LABELS: Record<ConnectionType, string> = {
  POSTGRES: "PostgreSQL",
  MYSQL: "MySQL / MariaDB",
  HTTP: "HTTP API",
};
