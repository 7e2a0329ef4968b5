import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpHarness, startHttpHarness } from "./support/http-harness";

/**
 * What a call waits for from the store: audit first means a new session's row is written before the
 * call goes upstream, and nothing else should be. The connection's recording cap comes with its
 * cached record, not from a read of its own while the call waits.
 */
let harness: HttpHarness;
let statements: string[] = [];

beforeAll(async () => {
  harness = await startHttpHarness({ onStoreQuery: (sql) => statements.push(sql) });
});
afterAll(() => harness?.stop());

/** One GET on a socket of its own (so a session of its own), resolved once its answer is read. */
function callOnNewSocket(target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      `${harness.base}${target}`,
      { agent: false, headers: { authorization: `Bearer ${harness.token}` } },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (text: string) => {
          body += text;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on("error", reject);
  });
}

describe("store round trips per HTTP call", () => {
  it("a new session writes its row before the call and reads nothing of the connection again", async () => {
    // The first call reads the agent and the connection into the gateway's caches.
    expect((await callOnNewSocket("/shop/customers/1")).status).toBe(200);
    statements = [];
    const answer = await callOnNewSocket("/shop/customers/2");
    const during = statements;
    statements = [];

    expect(answer.status).toBe(200);
    expect(
      during.filter((sql) => /insert\s+into\s+("public"\.)?"?gateway_sessions"?\s/i.test(sql)),
    ).toHaveLength(1);
    // The recording's per-exchange cap (record_result_bytes) came with the cached record.
    expect(during.filter((sql) => /from\s+"public"\."connections"/i.test(sql))).toEqual([]);
  });
});
