import type { Db } from "@sluice/db/prisma";

type AgentRow = Db.Agent & {
  memberships: { group: { name: string } }[];
  credentials: Db.AgentCredential[];
};

export const AGENT_INCLUDE = {
  memberships: { include: { group: true } },
  credentials: { orderBy: { createdAt: "desc" } },
} as const;

/** An agent as the console shows it: credentials by fingerprint, never their verifiers. */
export function toAgentView(row: AgentRow) {
  const { memberships, credentials, ...rest } = row;
  return {
    ...rest,
    groups: memberships.map((link) => link.group.name).sort(),
    credentials: credentials.map(({ scramVerifier: _verifier, ...credential }) => credential),
  };
}
export type AgentView = ReturnType<typeof toAgentView>;
