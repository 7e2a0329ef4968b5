/**
 * The bare Node HTTP relay in a process of its own, so its CPU is read from /proc like the
 * gateway's. Prints `{"port","pid"}` as one JSON line. Arguments: upstream host and port.
 *
 *   node --import tsx bench/lib/node-http-relay-entry.ts 127.0.0.1 8080
 */
import { startNodeHttpRelay } from "./node-http-relay";

const [host = "127.0.0.1", port = ""] = process.argv.slice(2);
const relay = await startNodeHttpRelay({ host, port: Number(port) });
process.stdout.write(`${JSON.stringify({ port: relay.port, pid: process.pid })}\n`);
process.once("SIGTERM", () => {
  void relay.stop().then(() => process.exit(0));
});
