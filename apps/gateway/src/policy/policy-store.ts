import { loadHttpPolicies } from "@sluice/db/policy/load-http-policies";
import { loadPolicies } from "@sluice/db/policy/load-policies";
import { POLICY_CHANNEL } from "@sluice/db/policy-version";
import type { PrismaClient } from "@sluice/db/prisma";
import { type Listening, listenWithPollFallback } from "@sluice/db/scheduling/listen-with-poll-fallback";
import type { HttpConnectionPolicy } from "@sluice/http-policy/rules";
import type { ConnectionPolicy } from "@sluice/policy/rules";

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
  private listening: Listening | null = null;
  private reloading: Promise<void> | null = null;
  /** The reload that follows the running one, for the triggers that came while it ran. */
  private reloadingAgain: Promise<void> | null = null;

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
    this.listening = await listenWithPollFallback({
      databaseUrl: this.databaseUrl,
      channel: POLICY_CHANNEL,
      name: "policy",
      what: "policy changes",
      pollMs: POLICY_POLL_MS,
      onNotification: () =>
        void this.reload().catch((error: unknown) => this.log(`policy reload failed: ${String(error)}`)),
      poll: () => this.checkVersion(),
      log: this.log,
    });
  }

  async stop(): Promise<void> {
    await this.listening?.stop();
  }

  /**
   * Reloads everything. A trigger that comes while a reload runs may announce a change committed
   * after that reload read the store: it gets one more reload, after the running one (the triggers
   * meanwhile share it), never the running one, which would leave sessions on the old rules until
   * the next poll.
   */
  reload(): Promise<void> {
    if (this.reloading) {
      this.reloadingAgain ??= this.reloading
        .catch(() => {})
        .then(() => {
          this.reloadingAgain = null;
          return this.reload();
        });
      return this.reloadingAgain;
    }
    this.reloading = this.doReload().finally(() => {
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

  /** The poll: a reload only when the store's version moved (a failure is logged by the poller). */
  private async checkVersion(): Promise<void> {
    const state = await this.prisma.policyState.findUnique({ where: { id: 1 } });
    if ((state?.version ?? 0) !== this.storeVersion) await this.reload();
  }
}
