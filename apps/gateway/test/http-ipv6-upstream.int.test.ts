import { afterAll, beforeAll, expect, it } from "vitest";
import { type HttpHarness, startHttpHarness } from "./support/http-harness";
import { CUSTOMERS } from "./support/json-upstream";

// An internal service reached by an IPv6 literal: the Host header must bracket it (RFC 3986
// §3.2.2), or the upstream reads "::1:port" as a malformed authority and refuses the call.
let harness: HttpHarness;

beforeAll(async () => {
  harness = await startHttpHarness({ upstreamHost: "::1" });
});

afterAll(async () => {
  await harness?.stop();
});

it("forwards a call to an IPv6 upstream with the literal in brackets in Host", async () => {
  const response = await harness.call("/shop/customers/1");
  expect(response.status).toBe(200);
  expect(((await response.json()) as { name: string }).name).toBe(CUSTOMERS[0]?.name);
  const seen = harness.upstream.seen.at(-1);
  expect(seen?.headers.host).toBe(`[::1]:${harness.upstream.port}`);
});
