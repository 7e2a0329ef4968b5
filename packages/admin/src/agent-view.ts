import type { Db } from "@sluice/db/prisma";
import { workloadIdentityFromColumns } from "@sluice/policy/workload-identity";

type AgentRow = Db.Agent & {
  memberships: { group: { name: string; connectionGrants: { connection: { name: string } }[] } }[];
  credentials: Db.AgentCredential[];
};

export const AGENT_INCLUDE = {
  memberships: {
    include: {
      group: { include: { connectionGrants: { include: { connection: { select: { name: true } } } } } },
    },
  },
  credentials: { orderBy: { createdAt: "desc" } },
} as const;

/**
 * An agent as the console shows it: credentials by fingerprint, never their verifiers, and the
 * connections its groups are allowed on (by name, each once).
 */
export function toAgentView(row: AgentRow) {
  const {
    memberships,
    credentials,
    workloadIssuer: _issuer,
    workloadJwksUri: _jwksUri,
    workloadAudience: _audience,
    workloadSubject: _subject,
    workloadClaims: _claims,
    workloadGroupsClaim: _groupsClaim,
    ...rest
  } = row;
  const connections = new Set(
    memberships.flatMap((link) => link.group.connectionGrants.map((grant) => grant.connection.name)),
  );
  return {
    ...rest,
    groups: memberships.map((link) => link.group.name).sort(),
    workloadIdentity: workloadIdentityFromColumns(row),
    connections: [...connections].sort(),
    credentials: credentials.map(({ scramVerifier: _verifier, ...credential }) => credential),
  };
}
export type AgentView = ReturnType<typeof toAgentView>;
