import net from "node:net";
import path from "node:path";
import {
  findMariaDbPrograms,
  MARIADB_INSTALL_HINT,
  type MariaDbPrograms,
  startLocalMariaDb,
} from "../local-mariadb";
import type { PrismaClient } from "../prisma";
import { DEMO_MYSQL_CONNECTION, seedDemoMySqlPolicy } from "./demo-mysql-policy";
import { ensureDemoShopMySql } from "./demo-shop-mysql";

export type DemoMySqlOptions = {
  /** Sluice's home: the MariaDB's data lives in `mariadb/` under it, reused by the next start. */
  home: string;
  prisma: PrismaClient;
  secretKey: Buffer;
  /** The login Sluice brokers (the demo keeps one password for both demo upstreams). */
  upstreamPassword: string;
  /** Absent: a free loopback port, chosen at each start (the connection row follows it). */
  port?: number;
  /** Where MariaDB's programs are; absent: the Debian package's places. */
  findPrograms?: () => MariaDbPrograms | null;
};

export type DemoMySql =
  | { isRunning: true; connection: string; port: number; stop: () => Promise<void> }
  | { isRunning: false; reason: string };

/**
 * The demo's MySQL side: a MariaDB of Sluice's own (never the machine's server on 3306) holding the
 * demo shop, and the MySQL connection with the demo policy. Without MariaDB's programs it says how
 * to get them and the rest of Sluice starts without it.
 */
export async function startDemoMySql(options: DemoMySqlOptions): Promise<DemoMySql> {
  if (!(options.findPrograms ?? findMariaDbPrograms)())
    return {
      isRunning: false,
      reason: `MariaDB is not installed, so the demo has no MySQL connection (${MARIADB_INSTALL_HINT} adds it; then start again)`,
    };
  const port = options.port ?? (await freeLoopbackPort());
  const server = await startLocalMariaDb({ dataDir: path.join(options.home, "mariadb", "data"), port });
  try {
    await ensureDemoShopMySql(server.execute, options.upstreamPassword);
    await seedDemoMySqlPolicy(options.prisma, {
      upstream: { host: server.host, port: server.port, password: options.upstreamPassword },
      secretKey: options.secretKey,
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { isRunning: true, connection: DEMO_MYSQL_CONNECTION, port: server.port, stop: server.stop };
}

/** A port the kernel says is free now; the server binds it right after. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
