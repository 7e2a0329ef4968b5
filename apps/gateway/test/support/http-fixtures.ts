import type { AdminContext } from "@sluice/admin/actor";
import { actorForUser } from "@sluice/admin/api-tokens";
import type { Db } from "@sluice/db/prisma";
import { createConnection } from "@sluice/db/seed/create-connection";
import type { HttpHarness } from "./http-harness";
import { UPSTREAM_KEY } from "./json-upstream";

/**
 * Fixtures the HTTP corpus tests share beside the harness: a console user acting as admin,
 * reviewer or auditor, a reviewer group with its review rules, and more HTTP connections in the
 * harness's store (another upstream, other timeouts or TLS).
 */

/** A signed-in console user with these roles and IdP groups, as the admin actions take one. */
export async function consoleUser(
  harness: HttpHarness,
  user: { subject: string; email: string; idpGroups: string[]; roles: Db.Role[] },
): Promise<AdminContext> {
  const created = await harness.prisma.user.create({ data: { issuer: "https://idp.test", ...user } });
  const actor = await actorForUser(harness.prisma, created.id);
  if (!actor) throw new Error(`no actor for console user ${user.subject}`);
  return { db: harness.prisma, actor, secretKey: harness.secretKey };
}

/**
 * A reviewer group (its IdP group of the same name) and a maker of review rules on the harness's
 * connection that it decides; `extra` sets a rule's other columns (isBlocking, timeoutSeconds).
 */
export async function reviewerGroup(harness: HttpHarness, name: string) {
  const group = await harness.prisma.reviewerGroup.create({ data: { name, idpGroup: name } });
  return (ruleName: string, match: object, extra: { isBlocking?: boolean; timeoutSeconds?: number } = {}) =>
    harness.prisma.reviewRule.create({
      data: {
        connectionId: harness.connection.id,
        name: ruleName,
        match,
        ...extra,
        groups: { create: [{ groupId: group.id }] },
      },
    });
}

/**
 * Another HTTP connection (base path /api, bearer key, the analysts allowed) to an upstream on this
 * host: by default the harness's JSON API with its key, over plain HTTP.
 */
export function createHttpConnection(
  harness: HttpHarness,
  options: {
    name: string;
    port?: number;
    key?: string;
    tlsMode?: Db.UpstreamTlsMode;
    tlsCaPem?: string;
    httpTimeoutSeconds?: number;
  },
) {
  return createConnection(harness.prisma, {
    name: options.name,
    type: "HTTP",
    host: "127.0.0.1",
    port: options.port ?? harness.upstream.port,
    database: "/api",
    username: "unused",
    password: options.key ?? UPSTREAM_KEY,
    httpAuthKind: "BEARER",
    secretKey: harness.secretKey,
    tlsMode: options.tlsMode ?? "DISABLE",
    allowedGroups: ["analysts"],
    ...(options.tlsCaPem ? { tlsCaPem: options.tlsCaPem } : {}),
    ...(options.httpTimeoutSeconds ? { httpTimeoutSeconds: options.httpTimeoutSeconds } : {}),
  });
}
