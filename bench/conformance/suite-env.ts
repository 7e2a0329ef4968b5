import type { Endpoint } from "./conformance-env";

/** Only the suite's own PG* variables: an inherited PGSERVICE or PGOPTIONS would change what runs. */
export function suiteEnv(endpoint: Endpoint, extra: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([key]) => !key.startsWith("PG") && key !== "NODE_OPTIONS",
  );
  return {
    ...Object.fromEntries(inherited),
    PGHOST: endpoint.host,
    PGPORT: String(endpoint.port),
    PGUSER: endpoint.user,
    PGPASSWORD: endpoint.password,
    PGDATABASE: endpoint.database,
    ...extra,
  };
}
