import { authenticationCleartextPassword } from "@sluice/wire/server-messages";
import { checkAgentPassword } from "./agent-password";
import { ClientError } from "./client-error";
import { AuthenticationFailed } from "./connection-failures";
import type { AgentRecord, Directory } from "./directory";

/**
 * The password exchange for agents with a workload identity: a signed token cannot be proved with
 * SCRAM (the gateway has no verifier for it), so the agent sends it whole, which is only asked for
 * over TLS or from this machine (ConnectionPhases checks). A Sluice token sent this way is checked
 * against every live credential of the agent.
 * @see https://www.postgresql.org/docs/current/auth-password.html
 */
export function createCleartextAuth(
  agent: AgentRecord,
  directory: Pick<Directory, "verifyWorkloadToken">,
  log: (line: string) => void,
) {
  let isAnswered = false;
  return {
    begin(): Buffer {
      return authenticationCleartextPassword();
    },
    /** One PasswordMessage body → the agent as proved; throws AuthenticationFailed otherwise. */
    async handle(body: Buffer): Promise<AgentRecord> {
      if (isAnswered) throw ClientError.fatal("08P01", "unexpected authentication message");
      isAnswered = true;
      const password = readPassword(body);
      const login = await checkAgentPassword(agent, password, directory);
      if (!login.ok) {
        log(`agent "${agent.agentName}": ${login.reason}`);
        throw new AuthenticationFailed(agent.agentName, login);
      }
      return login.agent;
    },
  };
}

/** A PasswordMessage is one NUL-terminated string and nothing after it. */
function readPassword(body: Buffer): string {
  const end = body.indexOf(0);
  if (end !== body.length - 1) throw ClientError.fatal("08P01", "malformed password message");
  return body.subarray(0, end).toString("utf8");
}

/** A client on this machine: its password never crosses a network, so TLS is not required. */
export function isLoopbackAddress(address: string): boolean {
  return address === "::1" || /^127\.\d+\.\d+\.\d+$/.test(address);
}
