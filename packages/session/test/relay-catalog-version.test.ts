import type { SessionDecisions, StatementRequest, Verdict } from "@sluice/policy/verdict";
import { Relay } from "@sluice/session/relay";
import type { ClientMessage } from "@sluice/wire/client-messages";
import { describe, expect, it } from "vitest";

const PARSE: ClientMessage = { name: "parse", statement: "s", sql: "SELECT s FROM t", paramTypes: [] };
const BIND: ClientMessage = {
  name: "bind",
  portal: "",
  statement: "s",
};

/**
 * Decisions whose catalog version moves on while a Parse is being judged (a snapshot read by
 * another statement lands meanwhile), and which record every statement they are asked about.
 */
function movingCatalog(verdicts: Array<(version: number) => Verdict>) {
  let catalogVersion = 1;
  const asked: StatementRequest[] = [];
  const decisions: SessionDecisions = {
    decide: (statement) => {
      asked.push(statement);
      const judgedUnder = catalogVersion;
      const verdict = (verdicts.shift() as (version: number) => Verdict)(judgedUnder);
      catalogVersion += 1;
      return Promise.resolve(verdict);
    },
    version: () => 1,
    catalogVersion: () => catalogVersion,
  };
  return { decisions, asked };
}

const allowedUnder = (version: number): Verdict => ({ kind: "allow", catalogVersion: version });

describe("a prepared statement's catalog version", () => {
  it("is the one it was judged under, so a snapshot that landed meanwhile has its Bind judge it again", async () => {
    const { decisions, asked } = movingCatalog([allowedUnder, allowedUnder]);
    const relay = new Relay({ decisions });
    await relay.handleClient(PARSE, Buffer.from("P"));
    await relay.handleClient(BIND, Buffer.from("B"));
    expect(asked.map((statement) => statement.via)).toEqual(["parse", "parse"]);
  });

  it("has an approved Bind under a newer catalog judged again with what was approved", async () => {
    const approval = (version: number): Verdict => ({
      kind: "allow",
      catalogVersion: version,
      note: "review R-1 approved once by rey",
      approvedAs: "basis",
    });
    const { decisions, asked } = movingCatalog([approval, allowedUnder]);
    const relay = new Relay({ decisions });
    await relay.handleClient(PARSE, Buffer.from("P"));
    await relay.handleClient(BIND, Buffer.from("B"));
    expect(asked[1]?.approved).toEqual({ as: "basis", note: "review R-1 approved once by rey" });
  });
});
