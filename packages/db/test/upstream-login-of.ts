import type { UpstreamLogin } from "../src/upstream/pg-client-config";

/** The brokered login a test database's URL stands for, as a connection record would give it. */
export function upstreamLoginOf(database: { url: string; name: string }): UpstreamLogin {
  const url = new URL(database.url);
  return {
    host: url.hostname,
    port: Number(url.port),
    database: database.name,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password) || null,
    tlsMode: "DISABLE",
    tlsCaPem: null,
  };
}
