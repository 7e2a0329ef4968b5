import { startBypassStage } from "./bypass-stage";
import { bytes, RawClient } from "./raw-client";
import { type Outcome, readOutcome, runBytes } from "./raw-outcome";

/** The rows of `orders` every attack tries to delete. */
export const ORDERS = 3;

/** The GBK reproduction: 0xBF 0x5C is one GBK character, so the backslash escapes nothing there. */
export const GBK_DELETE = Buffer.concat([
  Buffer.from("SELECT E'"),
  Buffer.from([0xbf]),
  Buffer.from("\\' AS harmless; DELETE FROM orders; -- '"),
]);
/** Valid UTF-8 that GBK splits differently: E2 82 AC 5C is [E2 82][AC 5C] there, so the quote closes. */
export const EURO_DELETE = Buffer.from("SELECT E'€\\' AS harmless; DELETE FROM orders; -- '");
/** With standard_conforming_strings off the backslash escapes the quote; on, the literal ends there. */
export const BACKSLASH_DELETE = "SELECT '\\' AS harmless; DELETE FROM orders; -- '";
/** The other way round: one literal with standard strings on, a literal and a DELETE with them off. */
export const SCS_OFF_DELETE = "SELECT 'a\\'' AS harmless; DELETE FROM orders; -- '";

export type OneReadingStage = Awaited<ReturnType<typeof startOneReadingStage>>;

/**
 * The stage of the "one reading" corpus: orders to delete, functions that move client_encoding or
 * standard_conforming_strings where the gateway cannot see, and the guardrails the attacks meet.
 */
export async function startOneReadingStage() {
  const stage = await startBypassStage({
    schema: (role) => `
    CREATE TABLE orders (id int PRIMARY KEY, status text);
    INSERT INTO orders VALUES (1, 'paid'), (2, 'shipped'), (3, 'paid');
    CREATE SCHEMA hr; CREATE TABLE hr.people (id int); INSERT INTO hr.people VALUES (7);
    -- A function body the gateway cannot see into that changes the session's encoding for good.
    CREATE FUNCTION public.go_gbk() RETURNS text LANGUAGE sql
      AS $$ SELECT set_config('client_encoding', 'GBK', false) $$;
    CREATE FUNCTION public.scs_off() RETURNS text LANGUAGE sql
      AS $$ SELECT set_config('standard_conforming_strings', 'off', false) $$;
    -- A function SET clause: the encoding changes only while it runs.
    CREATE FUNCTION public.enc_inside() RETURNS text LANGUAGE sql SET client_encoding = 'GBK'
      AS $$ SELECT current_setting('client_encoding') $$;
    GRANT ALL ON ALL TABLES IN SCHEMA public, hr TO ${role};
    GRANT USAGE ON SCHEMA hr TO ${role};
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ${role};`,
    guardrails: [
      {
        name: "no-unscoped-delete",
        kind: "MISSING_WHERE",
        match: { kinds: ["DELETE"] },
      },
      // The functions that change a pinned setting where the gateway cannot see, allowed by name: an
      // admin's choice the backstop must still survive (unknown functions are refused by default).
      {
        name: "allow-encoding-functions",
        kind: "FUNCTION",
        effect: "ALLOW",
        match: { functions: ["public.go_gbk", "public.scs_off", "public.enc_inside"] },
      },
      // A DENY SETTING rule: a setting given at connect is the same SET, refused the same way.
      {
        name: "no-lock-timeout",
        kind: "SETTING",
        match: { settings: ["lock_timeout"] },
      },
    ],
  });
  const { harness, admin } = stage;

  /** Runs statements in one gateway session, in order; returns each outcome. */
  async function inSession(...statements: Array<string | Buffer>): Promise<Outcome[]> {
    const client = await stage.viaGateway();
    const outcomes: Outcome[] = [];
    try {
      for (const statement of statements) {
        const outcome = await runBytes(
          client,
          typeof statement === "string" ? Buffer.from(statement) : statement,
        );
        outcomes.push(outcome);
        if (outcome.isClosed) break;
      }
    } finally {
      client.close();
    }
    return outcomes;
  }

  /** A startup packet with these parameters; the gateway judges them before authentication. */
  async function startupRefusal(params: Record<string, string>): Promise<{ code: string; message: string }> {
    const client = await RawClient.connect(harness.port);
    try {
      client.write(bytes.startup({ user: harness.agent.name, database: harness.connectionName, ...params }));
      const outcome = await readOutcome(client);
      return { code: outcome.error?.code ?? "", message: outcome.error?.message ?? "" };
    } finally {
      client.close();
    }
  }

  return {
    ...stage,
    ordersLeft: async (): Promise<number> =>
      (await admin.query("SELECT count(*)::int AS n FROM orders")).rows[0].n,
    inSession,
    startupRefusal,
  };
}

/** The Sluice rule that refused, "22021"/"08P01" for a refusal of the bytes, or "allow". */
export function verdictOf(outcome: Outcome): string {
  const rule = /^blocked by (?:guardrail|Sluice default) "([^"]+)"/.exec(outcome.error?.message ?? "")?.[1];
  if (rule) return rule;
  // Bytes that are not UTF-8 get the server's own ERROR; a malformed message ends the session.
  if (outcome.error?.code === "22021" || (outcome.error && outcome.isClosed)) return outcome.error.code;
  return "allow";
}
