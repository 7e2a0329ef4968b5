/**
 * The workspace's layers, lowest first. A package's source imports only packages of lower layers,
 * so every arrow in the import graph points down (tests may compose anything the package declares
 * as a dependency, through its exports). ARCHITECTURE.md draws the same order.
 */
export const LAYERS: readonly { name: string; packages: readonly string[] }[] = [
  {
    name: "bytes and keys",
    packages: [
      "@sluice/wire",
      "@sluice/mysql-wire",
      "@sluice/secrets",
      "@sluice/identity",
      "@sluice/agent-guidance",
    ],
  },
  { name: "statement facts and value masking", packages: ["@sluice/sql", "@sluice/masking"] },
  // MySQL's reading fills the facts vocabulary sql defines; HTTP rules and recordings mask values.
  {
    name: "MySQL facts, HTTP rules, recordings",
    packages: ["@sluice/mysql-sql", "@sluice/http-policy", "@sluice/recording"],
  },
  { name: "policy", packages: ["@sluice/policy"] },
  { name: "store", packages: ["@sluice/db"] },
  { name: "sessions and reviews", packages: ["@sluice/session", "@sluice/reviews"] },
  // Above session only for its Directory of agents and connections, which both protocols share.
  { name: "MySQL session", packages: ["@sluice/mysql-session"] },
  { name: "transport and admin", packages: ["@sluice/transport", "@sluice/admin"] },
  { name: "apps", packages: ["@sluice/gateway", "@sluice/console"] },
  { name: "command line", packages: ["@sluice/cli"] },
];
