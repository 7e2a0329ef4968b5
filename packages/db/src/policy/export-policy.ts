import type { PolicyFile } from "@sluice/policy/policy-file";
import { workloadIdentityFromColumns } from "@sluice/policy/workload-identity";
import type { DbClient } from "../prisma";

/**
 * The store's policy in the file format. Secrets are never exported: connections carry a
 * `passwordEnv` placeholder naming the variable `apply` will read.
 */
export async function exportPolicy(db: DbClient): Promise<PolicyFile> {
  const [groups, agents, reviewerGroups, connections] = await Promise.all([
    db.agentGroup.findMany({ orderBy: { name: "asc" } }),
    db.agent.findMany({ orderBy: { name: "asc" }, include: { memberships: { include: { group: true } } } }),
    db.reviewerGroup.findMany({ orderBy: { name: "asc" } }),
    db.connection.findMany({
      orderBy: { name: "asc" },
      include: {
        access: { include: { group: true } },
        guardrailRules: { orderBy: { createdAt: "asc" } },
        maskingRules: {
          orderBy: { createdAt: "asc" },
          include: { exemptions: { include: { group: true } } },
        },
        reviewRules: { orderBy: { createdAt: "asc" }, include: { groups: { include: { group: true } } } },
      },
    }),
  ]);
  return {
    version: 1,
    agentGroups: groups.map((g) => ({
      name: g.name,
      ...(g.description ? { description: g.description } : {}),
    })),
    agents: agents.map((a) => ({
      name: a.name,
      ...(a.description ? { description: a.description } : {}),
      groups: a.memberships.map((m) => m.group.name).sort(),
      isDisabled: a.isDisabled,
      ...withWorkloadIdentity(a),
    })),
    reviewerGroups: reviewerGroups.map((g) => ({
      name: g.name,
      idpGroup: g.idpGroup,
      ...(g.description ? { description: g.description } : {}),
    })),
    connections: connections.map((c) => ({
      name: c.name,
      type: c.type.toLowerCase() as "postgres" | "mysql" | "http",
      ...(c.description ? { description: c.description } : {}),
      host: c.host,
      port: c.port,
      database: c.database,
      // An HTTP connection without basic auth has no user (stored empty): left out.
      ...(c.username ? { username: c.username } : {}),
      ...(c.passwordCipher
        ? { passwordEnv: `SLUICE_PASSWORD_${c.name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}` }
        : {}),
      tlsMode: c.tlsMode,
      // Left out (not written as null) when unset.
      tlsCaPem: c.tlsCaPem ?? undefined,
      tlsServerName: c.tlsServerName ?? undefined,
      httpAuthKind: c.httpAuthKind ?? undefined,
      httpAuthHeader: c.httpAuthHeader ?? undefined,
      httpTimeoutSeconds: c.httpTimeoutSeconds ?? undefined,
      requireClientTls: c.requireClientTls,
      isReadOnly: c.isReadOnly,
      isStrictMasking: c.isStrictMasking,
      isDisabled: c.isDisabled,
      poolSize: c.poolSize,
      poolWaitSeconds: c.poolWaitSeconds,
      allowedGroups: c.access.map((a) => a.group.name).sort(),
      guardrails: c.guardrailRules.map((r) => ({
        name: r.name,
        kind: r.kind,
        effect: r.effect,
        match: r.match as Record<string, unknown>,
        ...(r.message ? { message: r.message } : {}),
        enabled: r.isEnabled,
      })) as PolicyFile["connections"][number]["guardrails"],
      masking: c.maskingRules.map((r) => ({
        name: r.name,
        ...(r.columnSelector ? { column: r.columnSelector } : {}),
        ...(r.jsonPointer ? { jsonPointer: r.jsonPointer } : {}),
        ...(r.detector ? { detector: r.detector } : {}),
        strategy: r.strategy,
        ...(r.keepLast ? { keepLast: r.keepLast } : {}),
        exemptGroups: r.exemptions.map((e) => e.group.name).sort(),
        enabled: r.isEnabled,
      })),
      reviews: c.reviewRules.map((r) => ({
        name: r.name,
        match: r.match as PolicyFile["connections"][number]["reviews"][number]["match"],
        reviewerGroups: r.groups.map((g) => g.group.name).sort(),
        mode: r.mode,
        minApprovals: r.minApprovals,
        timeoutSeconds: r.timeoutSeconds,
        blocking: r.isBlocking,
        enabled: r.isEnabled,
      })),
    })),
  };
}

function withWorkloadIdentity(agent: Parameters<typeof workloadIdentityFromColumns>[0]) {
  const identity = workloadIdentityFromColumns(agent);
  return identity ? { workloadIdentity: identity } : {};
}
