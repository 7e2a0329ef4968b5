import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Actor, AdminContext } from "@sluice/admin/actor";
import { actorForUser, authenticateApiToken, createApiToken } from "@sluice/admin/api-tokens";
import { approveTerminalLogin } from "@sluice/admin/approve-terminal-login";
import { recordSignIn } from "@sluice/admin/users";
import type { PrismaClient } from "@sluice/db/prisma";
import { loginCode } from "@sluice/secrets/api-token";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, createTestStore } from "../../../test/support";
import { tsxCommand } from "../../../test/tsx-command";
import { until } from "../../../test/until";
import { writeCredentials } from "../src/api/credentials-file";
import { startApiServer } from "./support/api-server";

const REPO = path.resolve(import.meta.dirname, "../../..");
const MAIN = path.join(REPO, "apps/cli/src/main.ts");

type Result = { code: number | null; stdout: string; stderr: string };

/** Runs a command to its end with only the given variables (plus PATH), so no developer token leaks in. */
function run(command: string, args: string[], env: Record<string, string>, input?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO, env: { PATH: process.env.PATH ?? "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.stdin.end(input ?? "");
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** `sluice ARGS…` run to its end, as `run` runs any command. */
function runSluice(args: string[], env: Record<string, string>, input?: string): Promise<Result> {
  const { command, args: argv } = tsxCommand(MAIN, args);
  return run(command, argv, env, input);
}

/** `sluice login …` running in the background, once it has printed its link. */
async function startLogin(args: string[], env: Record<string, string>) {
  const login = tsxCommand(MAIN, ["login", ...args]);
  const child = spawn(login.command, login.args, {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const link = await new Promise<URL>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
      const found = /(http\S+\/cli-login\?\S+)/.exec(stderr)?.[1];
      if (found) resolve(new URL(found));
    });
    child.on("close", () => reject(new Error(`login exited early: ${stderr}`)));
  });
  return { child, link, exited, stdout: () => stdout, stderr: () => stderr };
}

describe("the sluice CLI against the console's API (real route table, operations and store)", () => {
  let store: { prisma: PrismaClient; drop: () => Promise<void> };
  let upstream: { url: string; drop: () => Promise<void> };
  let server: Awaited<ReturnType<typeof startApiServer>>;
  let admin: AdminContext;
  let home: string;
  let env: Record<string, string>;
  let upstreamLogin: { host: string; port: string; user: string; password: string; database: string };
  const secretKey = Buffer.alloc(32, 7);
  const sluice = (args: string[], extra: Record<string, string> = {}, input?: string) =>
    runSluice(args, { ...env, ...extra }, input);

  beforeAll(async () => {
    store = await createTestStore();
    upstream = await createTestDatabase("upstream");
    const url = new URL(upstream.url);
    upstreamLogin = {
      host: url.hostname,
      port: url.port,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: url.pathname.slice(1),
    };
    await store.prisma.roleMapping.create({ data: { idpGroup: "admins", role: "ADMIN" } });
    const user = await recordSignIn(store.prisma, {
      issuer: "https://idp.test",
      subject: "ada",
      email: "ada@example.test",
      groups: ["admins"],
    });
    admin = {
      db: store.prisma,
      actor: (await actorForUser(store.prisma, user?.id ?? "")) as Actor,
      secretKey,
    };
    const { token } = await createApiToken(admin, { input: { name: "cli", role: "ADMIN" } });
    server = await startApiServer({ db: store.prisma, secretKey });
    home = mkdtempSync(path.join(tmpdir(), "sluice-cli-home-"));
    env = { SLUICE_API_URL: server.url, SLUICE_API_TOKEN: token, HOME: home };
  });
  afterAll(async () => {
    await server?.close();
    await store?.drop();
    await upstream?.drop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const upstreamFlags = () => [
    "--host",
    upstreamLogin.host,
    "--port",
    upstreamLogin.port,
    "--database",
    upstreamLogin.database,
    "--username",
    upstreamLogin.user,
  ];

  it("creates, lists, tests, updates and deletes a connection by name", async () => {
    const created = await sluice(
      ["connections", "create", "cli-shop", ...upstreamFlags(), "--password-env", "UPSTREAM_PASSWORD"].concat(
        ["--tls-mode", "disable", "--allow-group", "analysts", "--read-only", "--json"],
      ),
      { UPSTREAM_PASSWORD: upstreamLogin.password },
    );
    expect(created.stderr).toBe("");
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: "cli-shop",
      tlsMode: "DISABLE",
      isReadOnly: true,
      hasPassword: true,
      allowedGroups: ["analysts"],
    });

    const listed = await sluice(["connections", "list", "--json"]);
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((row) => row.name)).toEqual(["cli-shop"]);
    const table = await sluice(["connections", "list"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+UPSTREAM\s+TLS\s+FLAGS\s+GROUPS$/);
    expect(table.stdout).toContain(
      `cli-shop  ${upstreamLogin.user}@${upstreamLogin.host}:${upstreamLogin.port}/`,
    );

    const tested = await sluice(["connections", "test", "cli-shop", "--json"]);
    expect(tested.code, tested.stderr).toBe(0);
    expect(JSON.parse(tested.stdout)).toMatchObject({ ok: true, user: upstreamLogin.user, tls: false });

    // update sends the whole connection: what the flags do not name is kept, password included.
    const updated = await sluice(["connections", "update", "cli-shop", "--no-read-only", "--json"]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({
      isReadOnly: false,
      hasPassword: true,
      allowedGroups: ["analysts"],
      database: upstreamLogin.database,
    });
    expect((await sluice(["connections", "test", "cli-shop"])).stdout).toMatch(/^ok: PostgreSQL \d+/);

    const moved = await sluice(["connections", "update", "cli-shop", "--host", "localhost"]);
    expect(moved.code).toBe(1);
    expect(moved.stdout).toBe("");
    expect(moved.stderr).toContain("password: type the password again");

    const wrong = await sluice(
      ["connections", "update", "cli-shop", "--password-stdin"],
      {},
      "not-the-password\n",
    );
    expect(wrong.code, wrong.stderr).toBe(0);
    const failed = await sluice(["connections", "test", "cli-shop"]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^failed: .*password authentication failed/);

    const deleted = await sluice(["connections", "delete", "cli-shop"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(JSON.parse((await sluice(["connections", "list", "--json"])).stdout)).toEqual([]);
  });

  it("refuses on stderr with the API's field messages, and names the one pattern for names", async () => {
    const refused = await sluice(["connections", "create", "bad:name", ...upstreamFlags(), "--json"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain(
      "400 some fields need attention (name: letters, digits, '_', '.' and '-' only",
    );
    const badFlag = await sluice(["connections", "create", "x", "--tls-mode", "verify"]);
    expect(badFlag.code).toBe(1);
    expect(badFlag.stderr).toContain("--tls-mode: one of disable, prefer, require, verify-ca, verify-full");
  });

  it("lists the connections an agent's groups are allowed on", async () => {
    const created = await sluice([
      "connections",
      "create",
      "cli-crm",
      ...upstreamFlags(),
      "--allow-group",
      "crm-bots",
      "--json",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const agent = await sluice(["agents", "create", "crm-bot", "--group", "crm-bots", "--json"]);
    expect(agent.stderr).toBe("");
    expect(JSON.parse(agent.stdout)).toMatchObject({ agentName: "crm-bot" });
    const listed = JSON.parse((await sluice(["agents", "list", "--json"])).stdout) as {
      name: string;
      connections: string[];
    }[];
    expect(listed.find((row) => row.name === "crm-bot")?.connections).toEqual(["cli-crm"]);
    const table = await sluice(["agents", "list"]);
    expect(table.stdout).toMatch(/crm-bot\s+crm-bots\s+cli-crm\s+1\s+enabled/);
  });

  it("prints clean JSON through `pnpm -s sluice` and `pnpm exec sluice` (nothing but the data on stdout)", async () => {
    for (const args of [
      ["-s", "sluice", "agents", "list", "--json"],
      ["exec", "sluice", "agents", "list", "--json"],
    ]) {
      const piped = await run("pnpm", args, env);
      expect(piped.code, piped.stderr).toBe(0);
      expect(Array.isArray(JSON.parse(piped.stdout)), args.join(" ")).toBe(true);
    }
  });

  it("logs in: the console approves the hash, the terminal stores its own token 0600; logout revokes it", async () => {
    const loginHome = mkdtempSync(path.join(tmpdir(), "sluice-login-home-"));
    const loginEnv = { HOME: loginHome };
    const login = await startLogin(["--url", server.url, "--timeout", "60"], loginEnv);
    const { child, link, exited } = login;
    const tokenHash = link.searchParams.get("key") ?? "";
    expect(login.stderr()).toContain(loginCode(tokenHash));

    // Not approved yet: the terminal is refused and keeps waiting, nothing is stored.
    const refusedBefore = server.refusals();
    await until(() => server.refusals() >= refusedBefore + 2, { what: "two refused login polls" });
    expect(child.exitCode).toBeNull();
    // What the console's approval page posts for the signed-in person.
    await approveTerminalLogin(admin, {
      input: {
        name: link.searchParams.get("name"),
        role: "ADMIN",
        tokenHash,
        prefix: link.searchParams.get("prefix"),
      },
    });
    expect(await exited).toBe(0);
    expect(login.stdout()).toBe("");
    expect(login.stderr()).toContain("Signed in to");
    expect(login.stderr()).toContain("as ada@example.test");

    const file = path.join(loginHome, ".config/sluice/credentials");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, "utf8")) as { url: string; token: string };
    expect(stored.url).toBe(server.url);
    // The token never crossed the network: the console only ever saw its hash.
    expect(createHash("sha256").update(stored.token).digest("hex")).toBe(tokenHash);
    expect(link.toString()).not.toContain(stored.token);

    const listed = await runSluice(["agents", "list", "--json"], loginEnv);
    expect(listed.code, listed.stderr).toBe(0);
    const audit = await store.prisma.auditEvent.findFirst({
      where: { action: "api_token.create", after: { path: ["via"], equals: "sluice login" } },
    });
    expect(audit?.actorName).toBe("ada@example.test");

    const logout = await runSluice(["logout"], loginEnv);
    expect(logout.code, logout.stderr).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect(await authenticateApiToken(store.prisma, stored.token)).toBeNull();
    rmSync(loginHome, { recursive: true, force: true });
  });

  it("prints the token with --print and stores nothing; sends a stored token only to its own console", async () => {
    const login = await startLogin(["--url", server.url, "--print", "--timeout", "60"], { HOME: home });
    const input = {
      name: "printed",
      role: "ADMIN",
      tokenHash: login.link.searchParams.get("key"),
      prefix: login.link.searchParams.get("prefix"),
    };
    await approveTerminalLogin(admin, { input });
    expect(await login.exited).toBe(0);
    const printed = login.stdout().trim();
    expect(createHash("sha256").update(printed).digest("hex")).toBe(input.tokenHash);
    expect(existsSync(path.join(home, ".config/sluice/credentials"))).toBe(false);

    writeCredentials(path.join(home, ".config/sluice/credentials"), { url: server.url, token: printed });
    const elsewhere = await runSluice(["agents", "list"], {
      HOME: home,
      SLUICE_API_URL: "http://127.0.0.1:9",
    });
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain(
      `the stored token is for ${server.url} but SLUICE_API_URL is http://127.0.0.1:9`,
    );
    const same = await runSluice(["agents", "list", "--json"], {
      HOME: home,
      SLUICE_API_URL: `${server.url}/`,
    });
    expect(same.code, same.stderr).toBe(0);
    rmSync(path.join(home, ".config"), { recursive: true, force: true });
  });

  it("gives up when nobody approves in time, and stores nothing", async () => {
    const waited = await runSluice(["login", "--url", server.url, "--timeout", "1"], { HOME: home });
    expect(waited.code).toBe(1);
    expect(waited.stderr).toContain("not approved within 1 s");
    expect(existsSync(path.join(home, ".config/sluice/credentials"))).toBe(false);
  });
});
