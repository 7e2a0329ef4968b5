import { isPinnedSetting, PINNED_SETTINGS } from "@sluice/policy/pinned-settings";
import { md5PasswordResponse } from "@sluice/secrets/md5-password";
import { createScramClient } from "@sluice/secrets/scram-client";
import {
  encodePasswordMessage,
  encodeSaslInitialResponse,
  encodeSaslResponse,
  encodeStartup,
} from "@sluice/wire/client-encoders";
import { ErrorField } from "@sluice/wire/server-codes";
import type { ServerMessage } from "@sluice/wire/server-decoder";
import { UpstreamLoginFailed } from "./connection-failures";

export type UpstreamCredentials = {
  connectionName: string;
  user: string;
  database: string;
  password: string | null;
  params: Record<string, string>;
};

export type UpstreamSession = {
  /** Raw ParameterStatus frames, relayed to the client after its own AuthenticationOk. */
  parameterStatus: Buffer[];
  processId: number;
  secretKey: Buffer;
  transactionStatus: string;
  /**
   * The search_path the gateway read itself, when the server does not report it (before
   * PostgreSQL 18): the role's or database's default, where unqualified names resolve.
   */
  unreportedSearchPath?: string;
};

export type LoginStep = { toUpstream: Buffer[]; done?: UpstreamSession };

/**
 * Logs in to the upstream with the brokered credentials (SCRAM-SHA-256, md5, cleartext over TLS
 * only, or trust). A refusal becomes a FATAL for the agent that names the connection, not the
 * upstream's own message, which may quote the brokered user.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
 */
export function createUpstreamLogin(credentials: UpstreamCredentials, isTls: boolean) {
  const parameterStatus: Buffer[] = [];
  let scram: ReturnType<typeof createScramClient> | null = null;
  let processId = 0;
  let secretKey: Buffer = Buffer.alloc(4);

  const requirePassword = (): string => {
    if (credentials.password === null) {
      throw refused(credentials, "the upstream asks for a password and the connection has none stored");
    }
    return credentials.password;
  };

  return {
    startup(): Buffer {
      return encodeStartup({
        user: credentials.user,
        database: credentials.database,
        ...withoutPinned(credentials.params),
        // Last, so they win: a startup parameter also outranks ALTER ROLE/DATABASE ... SET, and
        // RESET returns to it. The gateway reads every statement in exactly this way.
        ...PINNED_SETTINGS,
      });
    },

    handle(message: ServerMessage, raw: Buffer): LoginStep {
      switch (message.name) {
        case "authenticationOk":
          // After SCRAM the upstream must have proved it knows the password (SASLFinal); a server
          // that skips straight to AuthenticationOk could be anyone.
          if (scram && !scram.isServerVerified()) {
            throw refused(credentials, "the upstream skipped SCRAM's server proof; it is not trusted");
          }
          return { toUpstream: [] };
        case "authenticationCleartextPassword":
          if (!isTls)
            throw refused(
              credentials,
              "the upstream asks for a cleartext password on a connection without TLS",
            );
          return { toUpstream: [encodePasswordMessage(requirePassword())] };
        case "authenticationMD5Password":
          return {
            toUpstream: [
              encodePasswordMessage(md5PasswordResponse(credentials.user, requirePassword(), message.salt)),
            ],
          };
        case "authenticationSASL": {
          const { mechanisms } = message;
          if (!mechanisms.includes("SCRAM-SHA-256")) {
            throw refused(
              credentials,
              `the upstream offers no supported SASL mechanism (${mechanisms.join(", ")})`,
            );
          }
          scram = createScramClient(requirePassword());
          return { toUpstream: [encodeSaslInitialResponse("SCRAM-SHA-256", scram.clientFirst())] };
        }
        case "authenticationSASLContinue": {
          if (!scram) throw refused(credentials, "unexpected SASL continue from the upstream");
          return {
            toUpstream: [
              encodeSaslResponse(scramStep(credentials, () => scram?.handleServerFirst(message.data) ?? "")),
            ],
          };
        }
        case "authenticationSASLFinal": {
          if (!scram) throw refused(credentials, "unexpected SASL final from the upstream");
          const client = scram;
          scramStep(credentials, () => {
            client.verifyServerFinal(message.data);
            return "";
          });
          return { toUpstream: [] };
        }
        case "parameterStatus":
          parameterStatus.push(raw);
          return { toUpstream: [] };
        case "backendKeyData":
          processId = message.processId;
          secretKey = message.secretKey;
          return { toUpstream: [] };
        case "notice":
          return { toUpstream: [] };
        case "readyForQuery":
          return {
            toUpstream: [],
            done: { parameterStatus, processId, secretKey, transactionStatus: message.status },
          };
        case "error":
          throw refusedByUpstream(credentials, message.fields[ErrorField.Code] ?? "08006");
        default:
          throw refused(credentials, `unexpected ${message.name} from the upstream during login`);
      }
    },
  };
}

/** Any spelling of a pinned setting the client sent goes; the pinned value is sent instead. */
function withoutPinned(params: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter(([name]) => !isPinnedSetting(name)));
}

/** A SCRAM failure with the upstream becomes the connection's FATAL, naming what went wrong. */
function scramStep(credentials: UpstreamCredentials, step: () => string): string {
  try {
    return step();
  } catch (error) {
    throw refused(
      credentials,
      `SCRAM with the upstream failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function refused(credentials: UpstreamCredentials, why: string): UpstreamLoginFailed {
  return new UpstreamLoginFailed(
    credentials.connectionName,
    "08004",
    `connection "${credentials.connectionName}": ${why}`,
  );
}

function refusedByUpstream(credentials: UpstreamCredentials, code: string): UpstreamLoginFailed {
  const isAuth = code === "28P01" || code === "28000";
  return new UpstreamLoginFailed(
    credentials.connectionName,
    isAuth ? "08004" : code,
    isAuth
      ? `connection "${credentials.connectionName}": the upstream refused Sluice's brokered credentials (${code}); an admin must update the connection`
      : `connection "${credentials.connectionName}": the upstream refused the session (${code})`,
  );
}
