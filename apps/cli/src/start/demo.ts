import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DEMO_USERS, seedDemoPolicy } from "@sluice/db/demo/demo-policy";
import { ensureDemoShop } from "@sluice/db/demo/demo-shop";
import type { PrismaClient } from "@sluice/db/prisma";
import { z } from "zod";

/**
 * What the demo needs to remember in clear: the agent's token (the store keeps only its verifier),
 * the brokered password, and the local identity provider's demo passwords and workload secret. Demo only; mode 0600.
 */
const ZDemoState = z.object({
  agentToken: z.string().nullable(),
  upstreamPassword: z.string(),
  /** The demo workload's client secret at the local provider (absent in demos made before it). */
  workloadClientSecret: z.string().optional(),
  users: z.array(
    z.object({ email: z.string(), name: z.string(), groups: z.array(z.string()), password: z.string() }),
  ),
});
export type DemoState = z.infer<typeof ZDemoState>;

export type EnsureDemoOptions = {
  home: string;
  prisma: PrismaClient;
  adminUrl: string;
  secretKey: Buffer;
};

export async function ensureDemo(options: EnsureDemoOptions): Promise<DemoState> {
  const file = path.join(options.home, "demo.json");
  const state = existsSync(file) ? ZDemoState.parse(JSON.parse(readFileSync(file, "utf8"))) : newState();
  const admin = new URL(options.adminUrl);
  await ensureDemoShop({ adminUrl: options.adminUrl, upstreamPassword: state.upstreamPassword });
  const seeded = await seedDemoPolicy(options.prisma, {
    upstream: { host: admin.hostname, port: Number(admin.port || 5432), password: state.upstreamPassword },
    secretKey: options.secretKey,
  });
  if (seeded) state.agentToken = seeded.token;
  state.workloadClientSecret ??= randomBytes(24).toString("base64url");
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return state;
}

function newState(): DemoState {
  return {
    agentToken: null,
    upstreamPassword: randomBytes(18).toString("base64url"),
    workloadClientSecret: randomBytes(24).toString("base64url"),
    users: DEMO_USERS.map((user) => ({
      ...user,
      groups: [...user.groups],
      password: randomBytes(9).toString("base64url"),
    })),
  };
}
