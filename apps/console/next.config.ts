import type { NextConfig } from "next";

const config: NextConfig = {
  // Workspace packages ship TypeScript sources; Next compiles them with the app.
  transpilePackages: [
    "@sluice/admin",
    "@sluice/db",
    "@sluice/identity",
    "@sluice/masking",
    "@sluice/policy",
    "@sluice/recording",
    "@sluice/secrets",
    "@sluice/sql",
  ],
  // Loaded by Node at run time rather than bundled: native-ish modules (the parser's WebAssembly,
  // the database driver and Prisma's runtime) that expect their own files beside them.
  serverExternalPackages: ["libpg-query", "pg", "@prisma/client", "@prisma/adapter-pg"],
  experimental: { authInterrupts: true },
  poweredByHeader: false,
  typedRoutes: false,
  devIndicators: false,
};

export default config;
