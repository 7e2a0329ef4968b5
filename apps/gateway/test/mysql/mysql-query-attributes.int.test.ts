import { readFileSync } from "node:fs";
import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MySqlHarness, startMySqlHarness } from "../support/mysql-harness";
import { MySqlRawClient } from "../support/mysql-raw-client";

/**
 * Query attributes (MySQL 8's CLIENT_QUERY_ATTRIBUTES) put parameters before a COM_QUERY's text.
 * The gateway never offers the capability, so a conforming client sends none; a client that sends
 * them anyway gets its command refused as the text it is (the prefix is no statement Sluice can
 * read), nothing reaches the server, and the session goes on.
 */
let harness: MySqlHarness;
let client: MySqlRawClient;
let direct: Connection;

beforeAll(async () => {
  harness = await startMySqlHarness();
  client = await MySqlRawClient.connect({
    host: "127.0.0.1",
    port: harness.port,
    user: "agent-a",
    password: harness.token,
    database: "shop",
    tlsCa: readFileSync(harness.caFile, "utf8"),
    isDeprecateEof: true,
  });
  direct = await harness.connectDirect();
});
afterAll(async () => {
  client?.end();
  await direct?.end();
  await harness?.stop();
});

/** COM_QUERY with a query-attributes prefix, then the statement text. */
function withAttributes(prefix: number[], sql: string): Buffer {
  return Buffer.concat([Buffer.from([0x03, ...prefix]), Buffer.from(sql)]);
}

describe("a COM_QUERY carrying query attributes the gateway never offered", () => {
  it.each([
    // parameter_count 0, parameter_set_count 1: the text follows two bytes the server would skip.
    ["an empty attribute set", [0x00, 0x01]],
    // One attribute: count, set count, null bitmap, bind flag, type (VAR_STRING) with its flags byte, name "k", value "v".
    ["one attribute", [0x01, 0x01, 0x00, 0x01, 0xfd, 0x00, 0x01, 0x6b, 0x01, 0x76]],
  ])("%s: refused with an ERR, and the session goes on", async (_name, prefix) => {
    client.send(withAttributes(prefix, "DELETE FROM employees"));
    const answer = await client.read();
    expect(answer.payload[0]).toBe(0xff);
    const [rows] = (await direct.query("SELECT COUNT(*) AS n FROM employees")) as unknown as [
      [{ n: number }],
    ];
    expect(Number(rows[0].n)).toBe(2);
    const after = await client.query("SELECT 1 AS alive");
    expect(after.at(-2)?.payload.toString("latin1")).toContain("1");
  });
});
