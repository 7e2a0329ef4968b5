import type { NextConfig } from "next";

const config: NextConfig = {
  // Workspace packages ship TypeScript sources; Next compiles them with the app.
  transpilePackages: ["@sluice/db", "@sluice/policy", "@sluice/secrets"],
  poweredByHeader: false,
  typedRoutes: false,
  devIndicators: false,
};

export default config;
