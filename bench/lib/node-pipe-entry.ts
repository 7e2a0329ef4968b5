/**
 * The Node byte pipe in a process of its own, so its CPU is read from /proc like the gateway's.
 * Prints `{"port","pid"}` as one JSON line. Arguments: upstream host and port.
 *
 *   node --import tsx bench/lib/node-pipe-entry.ts 127.0.0.1 5432
 */
import { startNodePipe } from "./node-pipe";

const [host = "127.0.0.1", port = ""] = process.argv.slice(2);
const pipe = await startNodePipe({ host, port: Number(port) });
process.stdout.write(`${JSON.stringify({ port: pipe.port, pid: process.pid })}\n`);
process.once("SIGTERM", () => {
  void pipe.stop().then(() => process.exit(0));
});
