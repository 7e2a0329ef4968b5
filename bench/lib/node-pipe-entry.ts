/**
 * A floor relay in a process of its own, so its CPU is read from /proc like the gateway's: the Node
 * byte pipe (`node-pipe.ts`), or with `native` the C relay after a handover (`native-relay.ts`).
 * Prints `{"port","pid"}` as one JSON line. Arguments: upstream host and port, and the kind.
 *
 *   node --import tsx bench/lib/node-pipe-entry.ts 127.0.0.1 5432 [node|native]
 */
import { startNativeRelay } from "./native-relay";
import { startNodePipe } from "./node-pipe";

const [host = "127.0.0.1", port = "", kind = "node"] = process.argv.slice(2);
const start = kind === "native" ? startNativeRelay : startNodePipe;
const pipe = await start({ host, port: Number(port) });
process.stdout.write(`${JSON.stringify({ port: pipe.port, pid: process.pid })}\n`);
process.once("SIGTERM", () => {
  void pipe.stop().then(() => process.exit(0));
});
