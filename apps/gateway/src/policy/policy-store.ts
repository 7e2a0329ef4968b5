import { loadHttpPolicies } from "@sluice/db/policy/load-http-policies";
import { loadPolicies } from "@sluice/db/policy/load-policies";
import { POLICY_CHANNEL } from "@sluice/db/policy-version";
import type { PrismaClient } from "@sluice/db/prisma";
import type { HttpConnectionPolicy } from "@sluice/http-policy/rules";
import type { ConnectionPolicy } from "@sluice/policy/rules";
import pg from "pg";

/** NOTIFY is the fast path; this poll catches a missed notification (dropped listener, failover). */
export const POLICY_POLL_MS = 1000;

/**
 * The gateway's copy of every connection's policy. Reloaded whole when the store's policy version
 * moves (LISTEN/NOTIFY, polling as a fallback), so the next statement of every open session sees it.
 */
export class PolicyStore {
  private policies = new Map<string, ConnectionPolicy>();
  private httpPolicies = new Map<string, HttpConnectionPolicy>();
  private upstreamUsers = new Map<string, string>();
  private storeVersion = -1;
  /** Local counter the relays compare against; bumps on every reload that changed anything. */
  private localVersion = 0;
  private listener: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<void> | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly databaseUrl: string,
    private readonly log: (line: string) => void,
  ) {}

  get version(): number {
    return this.localVersion;
  }

  get(connectionId: string): ConnectionPolicy | undefined {
    return this.policies.get(connectionId);
  }

  /** An HTTP connection's policy; undefined when the store has none for it (the caller refuses). */
  getHttp(connectionId: string): HttpConnectionPolicy | undefined {
    return this.httpPolicies.get(connectionId);
  }

  upstreamUser(connectionId: string): string {
    return this.upstreamUsers.get(connectionId) ?? "public";
  }

  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.checkVersion(), POLICY_POLL_MS);
    this.timer.unref();
    try {
      this.listener = new pg.Client({ connectionString: this.databaseUrl });
      this.listener.on("notification", () => void this.reload());
      this.listener.on("error", (error) => {
        this.log(`policy listener lost (${error.message}); polling continues`);
        this.listener = null;
      });
      await this.listener.connect();
      await this.listener.query(`LISTEN ${POLICY_CHANNEL}`);
    } catch (error) {
      this.log(`could not LISTEN for policy changes (${String(error)}); polling every ${POLICY_POLL_MS} ms`);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.listener?.end().catch(() => {});
  }

  /** Reloads everything; concurrent triggers share one reload. */
  reload(): Promise<void> {
    this.reloading ??= this.doReload().finally(() => {
      this.reloading = null;
    });
    return this.reloading;
  }

  private async doReload(): Promise<void> {
    const state = await this.prisma.policyState.findUnique({ where: { id: 1 } });
    const [loaded, http] = await Promise.all([loadPolicies(this.prisma), loadHttpPolicies(this.prisma)]);
    for (const problem of loaded.invalid) this.log(`policy: ${problem}; its statements are all refused`);
    for (const policy of http.values())
      if (policy.invalidRules)
        this.log(
          `policy: connection ${policy.connectionName}: ${policy.invalidRules}; its calls are all refused`,
        );
    this.policies = loaded.policies;
    this.httpPolicies = http;
    this.upstreamUsers = loaded.upstreamUsers;
    this.storeVersion = state?.version ?? 0;
    this.localVersion += 1;
  }

  private async checkVersion(): Promise<void> {
    try {
      const state = await this.prisma.policyState.findUnique({ where: { id: 1 } });
      if ((state?.version ?? 0) !== this.storeVersion) await this.reload();
    } catch (error) {
      this.log(`policy version check failed: ${String(error)}`);
    }
  }
}
