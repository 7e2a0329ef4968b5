import { describe, expect, it } from "vitest";
import { hostHeader, hostInAuthority } from "../src/http/host-authority";

describe("the upstream's Host header and URL authority", () => {
  it("brackets an IPv6 literal, so its colons do not read as a port", () => {
    expect(hostInAuthority("::1")).toBe("[::1]");
    expect(hostInAuthority("fe80::1")).toBe("[fe80::1]");
    expect(hostHeader("::1", 8080, 80)).toBe("[::1]:8080");
    expect(hostHeader("2001:db8::7", 443, 443)).toBe("[2001:db8::7]");
  });

  it("leaves names and IPv4 addresses as they are", () => {
    expect(hostHeader("api.internal", 80, 80)).toBe("api.internal");
    expect(hostHeader("127.0.0.1", 8443, 443)).toBe("127.0.0.1:8443");
  });
});
