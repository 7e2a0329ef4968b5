/** What the console names the agent and connection of a session row. */
export type SessionNames = { agentName: string; connectionName: string };

/**
 * A refused attempt may name an agent or connection that does not exist (or none at all): it shows
 * the name the client gave, or says it gave none. Every real session has both rows.
 */
export function sessionNames(session: {
  agent: { name: string } | null;
  connection: { name: string } | null;
  claimedAgent: string | null;
  claimedConnection: string | null;
}): SessionNames {
  return {
    agentName: session.agent?.name ?? session.claimedAgent ?? "(no agent named)",
    connectionName: session.connection?.name ?? session.claimedConnection ?? "(no connection named)",
  };
}
