import { createScramServer } from "@sluice/secrets/scram-server";
import { parseSASLInitialResponse, parseSASLResponse } from "@sluice/wire/client-messages";
import { ClientError } from "./client-error";
import { AuthenticationFailed } from "./connection-failures";
import { authenticationSASL, authenticationSASLContinue, authenticationSASLFinal } from "./protocol-bytes";

const MECHANISM = "SCRAM-SHA-256";

/** `verifierIndex` names the verifier that matched: 0 the first, i + 1 `alternates[i]`. */
export type AuthStep = { toClient: Buffer[]; isAuthenticated?: boolean; verifierIndex?: number };

/**
 * The agent's side of SCRAM-SHA-256 against the stored verifier. An unknown agent gets the same
 * exchange against a fabricated verifier and fails at the end, like PostgreSQL, so the answer never
 * tells whether an agent name exists.
 * @see https://www.postgresql.org/docs/current/sasl-authentication.html
 */
export function createClientAuth(
  agentName: string,
  verifier: string | null,
  mockSaltKey?: Buffer,
  alternates: readonly string[] = [],
) {
  const server = createScramServer({
    verifier,
    alternates,
    username: agentName,
    ...(mockSaltKey ? { mockSaltKey } : {}),
  });
  let stage: "initial" | "final" | "done" = "initial";
  const failed = () => new AuthenticationFailed(agentName);

  return {
    begin(): Buffer {
      return authenticationSASL([MECHANISM]);
    },
    /**
     * Handles one 'p' message body; throws AuthenticationFailed (a FATAL ClientError naming the
     * agent) when the proof does not verify, another FATAL ClientError for a protocol violation.
     */
    handle(body: Buffer): AuthStep {
      if (stage === "initial") {
        const initial = parseSASLInitialResponse(body);
        if (initial.mechanism !== MECHANISM || initial.initialResponse === null) {
          throw ClientError.fatal(
            "28000",
            `unsupported SASL mechanism "${initial.mechanism}"; Sluice offers ${MECHANISM}`,
          );
        }
        stage = "final";
        try {
          return {
            toClient: [authenticationSASLContinue(server.handleClientFirst(initial.initialResponse))],
          };
        } catch {
          throw ClientError.fatal("08P01", "malformed SCRAM client-first-message");
        }
      }
      if (stage === "final") {
        stage = "done";
        let result: ReturnType<typeof server.handleClientFinal>;
        try {
          result = server.handleClientFinal(parseSASLResponse(body));
        } catch {
          throw failed();
        }
        if (!result.ok) throw failed();
        return {
          toClient: [authenticationSASLFinal(result.serverFinal)],
          isAuthenticated: true,
          verifierIndex: result.verifierIndex,
        };
      }
      throw ClientError.fatal("08P01", "unexpected authentication message");
    },
  };
}
