import { forwardedRequestHeaders, forwardedResponseHeaders } from "@sluice/http-policy/headers";
import { describe, expect, it } from "vitest";

describe("headers crossing the gateway", () => {
  it("never passes credentials or hop-by-hop headers to the agent", () => {
    const kept = forwardedResponseHeaders([
      "Content-Type",
      "application/json",
      "Set-Cookie",
      "session=abc",
      "WWW-Authenticate",
      "Bearer realm=x",
      "Proxy-Authenticate",
      "Basic",
      "Authorization",
      "Bearer upstream",
      "Connection",
      "close",
      "Content-Encoding",
      "gzip",
      "Content-Length",
      "10",
      "X-Upstream-Secret",
      "s",
      "Location",
      "https://internal.example/x",
      "ETag",
      '"1"',
    ]);
    expect(kept).toEqual([
      ["content-type", "application/json"],
      ["etag", '"1"'],
    ]);
    expect(forwardedResponseHeaders(["Location", "/customers/2"])).toEqual([["location", "/customers/2"]]);
    expect(forwardedResponseHeaders(["Location", "//evil.example/x"])).toEqual([]);
  });

  it("never passes the agent's credentials, cookies or routing headers upstream", () => {
    const kept = forwardedRequestHeaders([
      "Authorization",
      "Bearer sk_agent",
      "Cookie",
      "a=b",
      "Host",
      "evil.example",
      "X-Forwarded-For",
      "1.2.3.4",
      "X-Forwarded-Host",
      "evil.example",
      "Accept",
      "application/json",
      "Accept-Encoding",
      "gzip",
      "Range",
      "bytes=0-10",
    ]);
    expect(kept).toEqual([["accept", "application/json"]]);
  });
});
