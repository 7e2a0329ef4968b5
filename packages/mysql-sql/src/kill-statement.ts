import type { StatementFacts } from "@sluice/sql/facts";
import { preGrammarFacts } from "./pre-grammar-facts";

/**
 * `KILL [HARD | SOFT] [CONNECTION | QUERY] id`, which node-sql-parser does not read. The id a client
 * knows is the gateway's connection id (from its handshake), never the upstream's thread id, so the
 * gateway answers KILL itself by mapping the id. Only this exact form is recognised, comments or
 * `QUERY ID` included are not: anything else goes to the parser, which refuses what it cannot read.
 * @see https://mariadb.com/kb/en/kill/
 */
export type KillStatement = {
  scope: "QUERY" | "CONNECTION";
  /** MariaDB's HARD/SOFT (whether critical operations are interrupted), kept as written. */
  force: "HARD" | "SOFT" | null;
  id: number;
};

/**
 * What the policy judges of a KILL before the gateway maps it (guardrails and reviews on the KILL
 * kind): it reads and writes no table.
 */
export function killFacts(): StatementFacts {
  return preGrammarFacts("KILL");
}

/** The largest id MariaDB's thread ids reach (unsigned 32 bits in the handshake). */
const MAX_CONNECTION_ID = 0xffff_ffff;

const KILL =
  /^[ \t\r\n]*KILL[ \t\r\n]+(?:(HARD|SOFT)[ \t\r\n]+)?(?:(QUERY|CONNECTION)[ \t\r\n]+)?([0-9]{1,10})[ \t\r\n]*;?[ \t\r\n]*$/i;

export function readKillStatement(sql: string): KillStatement | null {
  const match = KILL.exec(sql);
  if (!match) return null;
  const id = Number(match[3]);
  if (id > MAX_CONNECTION_ID) return null;
  return {
    scope: match[2]?.toUpperCase() === "QUERY" ? "QUERY" : "CONNECTION",
    force: (match[1]?.toUpperCase() as "HARD" | "SOFT" | undefined) ?? null,
    id,
  };
}

/** The statement sent upstream in place of the agent's: the same KILL, aimed at the mapped thread. */
export function killStatementSql(kill: KillStatement, upstreamThreadId: number): string {
  return `KILL ${kill.force ? `${kill.force} ` : ""}${kill.scope} ${upstreamThreadId}`;
}
