import { describe, expect, it } from "vitest";
import { renderBanner } from "../src/start/banner";

describe("the start banner", () => {
  it("points a new operator at sluice login for the CLI", () => {
    const banner = renderBanner({
      consoleUrl: "http://localhost:3000",
      identityProvider: null,
      gatewayPort: 15432,
      caFile: null,
      demo: null,
      demoConnection: "demo_shop",
      demoAgent: "demo-agent",
    });
    expect(banner).toContain("  Console:  http://localhost:3000\n");
    expect(banner).toContain("  CLI:      pnpm exec sluice login");
  });

  it("shows how the demo's workload agent gets a token and connects with it, no static secret", () => {
    const banner = renderBanner({
      consoleUrl: "http://localhost:3000",
      identityProvider: "http://127.0.0.1:3001",
      gatewayPort: 15432,
      caFile: "/home/me/.sluice/tls/ca.crt",
      demo: { agentToken: null, upstreamPassword: "p", users: [], workloadClientSecret: "wl-secret" },
      demoConnection: "demo_shop",
      demoAgent: "demo-agent",
    });
    expect(banner).toContain(
      "curl -s -u demo-workload:wl-secret -d grant_type=client_credentials \\\n      -d resource=urn:sluice:gateway http://127.0.0.1:3001/token",
    );
    expect(banner).toContain(
      'psql "postgresql://demo-workload-agent@localhost:15432/demo_shop?sslmode=verify-full&sslrootcert=/home/me/.sluice/tls/ca.crt"',
    );
  });

  it("prints the demo agent's mysql command beside the psql one when the demo has MariaDB", () => {
    const banner = renderBanner({
      consoleUrl: "http://localhost:3000",
      identityProvider: null,
      gatewayPort: 15432,
      mysqlPort: 13306,
      caFile: "/home/me/.sluice/tls/ca.crt",
      demo: { agentToken: "sk_demo", upstreamPassword: "p", users: [] },
      demoConnection: "demo_shop",
      demoMySqlConnection: "demo_shop_mysql",
      demoAgent: "demo-agent",
    });
    expect(banner).toContain(
      "  Demo agent connection strings (demo-agent on demo_shop and demo_shop_mysql):",
    );
    expect(banner).toContain(
      'psql "postgresql://demo-agent:sk_demo@localhost:15432/demo_shop?sslmode=verify-full&sslrootcert=/home/me/.sluice/tls/ca.crt"\n    mariadb -h localhost -P 13306 -u demo-agent -psk_demo --ssl-ca=/home/me/.sluice/tls/ca.crt --ssl-verify-server-cert demo_shop_mysql\n',
    );
  });
});
