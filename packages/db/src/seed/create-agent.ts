import type { DbClient } from "../prisma";
import { issueAgentCredential } from "./issue-agent-credential";

export type CreateAgentOptions = {
  name: string;
  description?: string;
  groups?: string[];
};

/** Creates an agent in the given groups (created when missing) and issues its first token. */
export async function createAgent(prisma: DbClient, options: CreateAgentOptions) {
  const groups = await Promise.all(
    (options.groups ?? []).map((name) =>
      prisma.agentGroup.upsert({ where: { name }, update: {}, create: { name } }),
    ),
  );
  const agent = await prisma.agent.create({
    data: {
      name: options.name,
      description: options.description ?? null,
      memberships: { create: groups.map((group) => ({ groupId: group.id })) },
    },
  });
  const { token, credential } = await issueAgentCredential(prisma, agent.id);
  return { agent, token, credential };
}
