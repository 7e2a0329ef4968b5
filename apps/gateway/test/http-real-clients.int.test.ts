import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ensureTlsMaterial } from "@sluice/transport/tls-material";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpConnection } from "./support/http-fixtures";
import { type HttpHarness, startHttpHarness } from "./support/http-harness";
import { SENSITIVE, startJsonUpstream } from "./support/json-upstream";

const run = promisify(execFile);
let harness: HttpHarness;
let caFile: string;
let upstreamTls: Awaited<ReturnType<typeof startJsonUpstream>>;
const upstreamTlsDir = mkdtempSync(path.join(tmpdir(), "sluice-http-up-tls-"));

beforeAll(async () => {
  harness = await startHttpHarness({ isTlsEnabled: true });
  caFile = harness.gateway.caFile as string;
  const connectionId = harness.connection.id;
  await harness.prisma.maskingRule.createMany({
    data: [
      { connectionId: null, name: "emails", detector: "email", strategy: "REDACT" },
      { connectionId, name: "ssn", jsonPointer: "/**/ssn", strategy: "HASH" },
      { connectionId, name: "card", jsonPointer: "/**/card", strategy: "PARTIAL", keepLast: 4 },
    ],
  });
  await harness.prisma.guardrailRule.create({
    data: { connectionId, name: "no-admin", kind: "HTTP_REQUEST", match: { path: "/admin/**" } },
  });
  // An upstream behind TLS with its own private CA: one connection trusts that CA, one does not.
  const material = ensureTlsMaterial(upstreamTlsDir);
  upstreamTls = await startJsonUpstream({ cert: material.cert, key: material.key });
  for (const [name, tlsCaPem] of [
    ["secure-shop", material.ca.toString()],
    ["untrusted-shop", undefined],
  ] as const) {
    await createHttpConnection(harness, {
      name,
      port: upstreamTls.port,
      tlsMode: "VERIFY_FULL",
      ...(tlsCaPem ? { tlsCaPem } : {}),
    });
  }
  await harness.reloadPolicy();
});
afterAll(async () => {
  await harness?.stop();
  await upstreamTls?.close();
  rmSync(upstreamTlsDir, { recursive: true, force: true });
});

/** curl's `-w "\n%{http_code}"`: the body, then the status on the last line. */
function splitStatus(stdout: string): [string, string] {
  const at = stdout.lastIndexOf("\n");
  return [stdout.slice(0, at), stdout.slice(at + 1)];
}

function assertMasked(text: string) {
  expect(SENSITIVE.filter((value) => text.includes(value))).toEqual([]);
  const body = JSON.parse(text);
  expect(body.email).toBe("[REDACTED]");
  expect(body.ssn).toMatch(/^h_[0-9a-f]{16}$/);
  expect(body.card).toBe("************1111");
}

describe("real clients over TLS to the gateway", () => {
  const url = () => `${harness.base}/shop/customers/1`;

  it("curl with a bearer token", async () => {
    const { stdout } = await run("curl", [
      "-sS",
      "--fail-with-body",
      "--cacert",
      caFile,
      "-H",
      `Authorization: Bearer ${harness.token}`,
      url(),
    ]);
    assertMasked(stdout);
  });

  it("curl with AGENT:TOKEN in the URL, and a denied call's message", async () => {
    const withUser = url().replace("https://", `https://agent-a:${harness.token}@`);
    const { stdout } = await run("curl", ["-sS", "--cacert", caFile, withUser]);
    assertMasked(stdout);
    const denied = await run("curl", [
      "-sS",
      "-w",
      "\n%{http_code}",
      "--cacert",
      caFile,
      "-H",
      `Authorization: Bearer ${harness.token}`,
      `${harness.base}/shop/admin/users`,
    ]);
    const [body, status] = splitStatus(denied.stdout);
    expect(status).toBe("403");
    expect(JSON.parse(body as string).error.message).toContain('blocked by guardrail "no-admin"');
  });

  it("Python requests and urllib", async () => {
    const script = `
import json, ssl, sys, urllib.request, requests
url, token, ca = sys.argv[1], sys.argv[2], sys.argv[3]
r = requests.get(url, headers={"Authorization": "Bearer " + token}, verify=ca)
r.raise_for_status()
via_basic = requests.get(url, auth=("agent-a", token), verify=ca).text
req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=ca)) as response:
    via_urllib = response.read().decode()
print(json.dumps([r.text, via_basic, via_urllib]))
`;
    const { stdout } = await run("python3", ["-c", script, url(), harness.token, caFile]);
    for (const text of JSON.parse(stdout) as string[]) assertMasked(text);
  });

  it("Node https with the gateway's CA", async () => {
    const text = await new Promise<string>((resolve, reject) => {
      https
        .get(
          url(),
          { ca: readFileSync(caFile), headers: { authorization: `Bearer ${harness.token}` } },
          (response) => {
            let body = "";
            response.on("data", (chunk) => (body += chunk));
            response.on("end", () => resolve(body));
          },
        )
        .on("error", reject);
    });
    assertMasked(text);
  });
});

describe("upstream TLS", () => {
  const get = (target: string) =>
    run("curl", [
      "-sS",
      "-w",
      "\n%{http_code}",
      "--cacert",
      caFile,
      "-H",
      `Authorization: Bearer ${harness.token}`,
      `${harness.base}${target}`,
    ]);

  it("verifies the upstream against the connection's CA", async () => {
    const { stdout } = await get("/secure-shop/customers/1");
    const [body, status] = splitStatus(stdout);
    expect(status).toBe("200");
    expect(JSON.parse(body as string).email).toBe("[REDACTED]");
  });

  it("refuses an upstream whose certificate it cannot verify", async () => {
    const before = upstreamTls.seen.length;
    const { stdout } = await get("/untrusted-shop/customers/1");
    const [body, status] = splitStatus(stdout);
    expect(status).toBe("502");
    expect(JSON.parse(body as string).error.message).toContain("TLS certificate was not accepted");
    expect(upstreamTls.seen.length).toBe(before);
  });
});
