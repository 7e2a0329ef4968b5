import { generateApiToken, hashApiToken, shownPrefix } from "@sluice/secrets/api-token";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor, AdminContext } from "../src/actor";
import { authenticateApiToken, listApiTokens, revokeApiToken } from "../src/api-tokens";
import { approveTerminalLogin } from "../src/approve-terminal-login";
import { type AdminStore, createAdminStore, refusal } from "./support/admin-store";

const KEY = Buffer.alloc(32, 3);

describe("approving sluice login's token (the console's /cli-login page)", () => {
  let store: AdminStore;
  let reviewer: AdminContext;

  beforeAll(async () => {
    store = await createAdminStore({ roles: [{ idpGroup: "reviewers", role: "REVIEWER" }], secretKey: KEY });
    reviewer = await store.contextFor("rey@example.test", ["reviewers"]);
  });
  afterAll(() => store?.drop());

  const request = () => {
    const token = generateApiToken();
    return {
      token,
      input: { name: "sluice login on box", tokenHash: hashApiToken(token), prefix: shownPrefix(token) },
    };
  };

  it("makes the terminal's own token an API token of the approver, listed and revocable like others", async () => {
    const { token, input } = request();
    expect(await authenticateApiToken(store.prisma, token)).toBeNull();
    const approved = await approveTerminalLogin(reviewer, { input: { ...input, role: "REVIEWER" } });
    expect(approved).not.toHaveProperty("token");
    const actor = await authenticateApiToken(store.prisma, token);
    expect(actor).toMatchObject({
      kind: "API_TOKEN",
      roles: ["REVIEWER"],
      name: "rey@example.test (token sluice login on box)",
    });
    const listed = await listApiTokens(reviewer);
    expect(listed.find((row) => row.id === approved.id)).toMatchObject({
      prefix: input.prefix,
      revokedAt: null,
    });
    const audit = await store.prisma.auditEvent.findFirst({ where: { targetId: approved.id } });
    expect(audit).toMatchObject({ action: "api_token.create", actorName: "rey@example.test" });
    expect(audit?.after).toMatchObject({ via: "sluice login", prefix: input.prefix });
    expect(JSON.stringify(audit?.after)).not.toContain(input.tokenHash);

    await revokeApiToken(reviewer, { id: approved.id });
    expect(await authenticateApiToken(store.prisma, token)).toBeNull();
  });

  it("refuses a replayed link, a role the approver does not hold, a token approving, and a malformed hash", async () => {
    const { token, input } = request();
    await approveTerminalLogin(reviewer, { input: { ...input, role: "REVIEWER" } });
    expect(
      (await refusal(approveTerminalLogin(reviewer, { input: { ...input, role: "REVIEWER" } }))).kind,
    ).toBe("conflict");

    const other = request();
    const escalation = await refusal(
      approveTerminalLogin(reviewer, { input: { ...other.input, role: "ADMIN" } }),
    );
    expect(escalation.fields).toEqual({ role: "you can only grant a role you hold" });

    const asToken = { ...reviewer, actor: (await authenticateApiToken(store.prisma, token)) as Actor };
    expect(
      (await refusal(approveTerminalLogin(asToken, { input: { ...other.input, role: "REVIEWER" } }))).kind,
    ).toBe("forbidden");

    const malformed = await refusal(
      approveTerminalLogin(reviewer, {
        input: {
          ...other.input,
          role: "REVIEWER",
          tokenHash: other.input.tokenHash.toUpperCase(),
          prefix: "sk_abc",
        },
      }),
    );
    expect(Object.keys(malformed.fields ?? {}).sort()).toEqual(["prefix", "tokenHash"]);
    expect(await authenticateApiToken(store.prisma, other.token)).toBeNull();
  });
});
