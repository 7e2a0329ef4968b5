import { loadParser, parseStatements } from "@sluice/sql/parser";
import { firstInvalidUtf8 } from "@sluice/wire/strict-utf8";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateLexerCorpus, MARKER_RESULT } from "./corpus/lexer-corpus";
import { applyGuardrails } from "./support/bypass-stage";
import { type Harness, startHarness } from "./support/gateway-harness";
import type { RawClient } from "./support/raw-client";
import { rawLogin } from "./support/raw-login";
import { type Outcome, runBytes } from "./support/raw-outcome";
import { directLogin, type UpstreamLogin } from "./support/side-by-side";

/**
 * The gateway must read every byte as the server does. For a seeded corpus of byte strings, each
 * is sent straight to PostgreSQL and through the gateway, whose connection denies upper():
 * - whenever the server ran `upper('executed')` as code, the gateway refused the string under that
 *   rule (it saw the call as code, not inside a literal or comment);
 * - whenever the gateway refused it under that rule, the server ran it as code (or failed first);
 * - whenever the gateway allowed it, the client got exactly what the server alone gives, and the
 *   gateway's parser split it into as many statements as the server ran;
 * - bytes that are not UTF-8 are refused by both with the same SQLSTATE and message.
 * Run under every setting an agent may change that touches the lexer.
 */
const SEED = 20_261_203;
const CORPUS_SIZE = 400;
const corpus = generateLexerCorpus(SEED, CORPUS_SIZE);

/** backslash_quote and escape_string_warning only raise errors or warnings: allowed, so covered. */
const SETTINGS = [
  "RESET ALL",
  "SET backslash_quote = on",
  "SET backslash_quote = off",
  "SET escape_string_warning = off",
];

let harness: Harness;
let upstream: UpstreamLogin;

beforeAll(async () => {
  await loadParser();
  harness = await startHarness();
  upstream = directLogin(harness);
  await applyGuardrails(harness, [{ name: "no-upper", kind: "FUNCTION", match: { functions: ["upper"] } }]);
});
afterAll(() => harness?.stop());

async function session(port: number, user: string, secret: string, database: string, setting: string) {
  const { client } = await rawLogin(port, user, secret, database);
  const set = await runBytes(client, Buffer.from(setting));
  if (set.error) throw new Error(`${setting}: ${set.error.message}`);
  return client;
}

type Verdict = "allow" | "no-upper" | "sluice:parse-error" | "22021" | string;

function verdictOf(outcome: Outcome): Verdict {
  const message = outcome.error?.message ?? "";
  // What does not parse is answered as the server's own syntax error; the hint names the default.
  const syntax = /^refused by Sluice default "([^"]+)"/.exec(outcome.error?.hint ?? "")?.[1];
  if (syntax) return syntax;
  const rule = /^blocked by (?:guardrail|Sluice default) "([^"]+)"/.exec(message)?.[1];
  if (rule) return rule;
  if (outcome.error?.code === "22021") return "22021";
  return "allow";
}

const ranMarker = (outcome: Outcome) =>
  outcome.rows.some((row) => row.some((v) => v.includes(MARKER_RESULT)));

describe("one reading: the gateway splits and delimits exactly as the server does", () => {
  for (const setting of SETTINGS) {
    it(`agrees with PostgreSQL on ${CORPUS_SIZE} generated strings after ${setting}`, async () => {
      const direct = await session(
        upstream.port,
        upstream.user,
        upstream.password,
        upstream.database,
        setting,
      );
      const open = () =>
        session(harness.port, harness.agent.name, harness.token, harness.connectionName, setting);
      let gateway: RawClient = await open();
      const disagreements: string[] = [];
      const seen = { ranMarker: 0, allowed: 0, invalid: 0, serverErrors: 0 };
      try {
        for (const sql of corpus) {
          const server = await runBytes(direct, sql);
          const through = await runBytes(gateway, sql);
          if (through.isClosed) {
            gateway.close();
            gateway = await open();
          }
          const verdict = verdictOf(through);
          const why = disagreement(sql, server, through, verdict);
          if (why) disagreements.push(`${why}: ${JSON.stringify(sql.toString("latin1"))}`);
          if (ranMarker(server)) seen.ranMarker += 1;
          if (verdict === "allow") seen.allowed += 1;
          if (firstInvalidUtf8(sql) >= 0) seen.invalid += 1;
          if (server.error) seen.serverErrors += 1;
        }
      } finally {
        direct.close();
        gateway.close();
      }
      expect(disagreements).toEqual([]);
      // The corpus must keep exercising every side, or it could pass by testing nothing.
      expect(seen.ranMarker).toBeGreaterThan(CORPUS_SIZE / 10);
      expect(seen.allowed).toBeGreaterThan(CORPUS_SIZE / 10);
      expect(seen.invalid).toBeGreaterThan(CORPUS_SIZE / 50);
      expect(seen.serverErrors).toBeGreaterThan(CORPUS_SIZE / 10);
    });
  }
});

function disagreement(sql: Buffer, server: Outcome, through: Outcome, verdict: Verdict): string | null {
  if (firstInvalidUtf8(sql) >= 0) {
    if (server.error?.code !== "22021")
      return `server read invalid UTF-8 without 22021 (${server.error?.code})`;
    if (verdict !== "22021" || through.error?.message !== server.error.message)
      return `gateway did not refuse invalid UTF-8 as the server does (${through.error?.message})`;
    // The server raises an ERROR and goes on: so must the gateway.
    if (through.isClosed) return "gateway ended the session where the server raised an ERROR";
    return null;
  }
  if (verdict === "22021") return "gateway refused valid UTF-8";
  if (ranMarker(server) && verdict !== "no-upper")
    return `server ran upper() as code, gateway said ${verdict}`;
  if (verdict === "no-upper") {
    // Refused as code: the server ran it as code, or stopped on an error before it.
    return ranMarker(server) || server.error
      ? null
      : "gateway saw upper() as code, the server did not run it";
  }
  if (verdict === "sluice:parse-error") {
    return server.error && server.tags.length === 0 ? null : "gateway could not parse what the server ran";
  }
  if (verdict === "sluice:unknown-function") {
    // An operator or function PostgreSQL does not have (`*/ 1` after two comments): refused as
    // unknown where the server fails on it.
    return server.error ? null : "gateway refused as unknown what the server ran";
  }
  if (verdict !== "allow") return `refused by an unexpected rule ${verdict}`;
  if (JSON.stringify(through) !== JSON.stringify(server))
    return "results through the gateway differ from the server's";
  if (!server.error) {
    const parsed = parseStatements(sql.toString("utf8"));
    const count = parsed.ok ? parsed.statements.length : -1;
    if (count !== server.tags.length)
      return `gateway split ${count} statements, the server ran ${server.tags.length}`;
  }
  return null;
}
