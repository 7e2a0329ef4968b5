// A cluster worker's entry. Plain JavaScript so `cluster.fork` can start it with a bare node
// (whatever loader the primary runs under): it registers tsx for this process, then loads the worker.
import { register } from "tsx/esm/api";

register();
await import("./gateway-worker.ts");
