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
});
