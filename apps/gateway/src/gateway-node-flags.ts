/**
 * Node flags a gateway process starts with: cluster workers (`gateway-cluster.ts`), and the
 * single-process gateway the benchmarks spawn (`bench/lib/gateway-process.ts`). They go on the
 * command line: Node refuses them in NODE_OPTIONS.
 *
 * `--min-semi-space-size=4`: the relay allocates a little per message (Node's read buffers, write
 * requests, the gateway's own views), nearly all of it dead by the next message, so V8's young
 * generation never grows past its 1 MiB start and is scavenged ~30 times a second at a few thousand
 * transactions a second: 9% of a worker's busy time under pgbench -M prepared -c 4. Starting it at
 * the 4 MiB ceiling that `scripts/runtime-env.sh` already sets (--max-semi-space-size=4) scavenges
 * it a quarter as often, and leaves the memory bound as it was (measured in docs/benchmarks.md,
 * "The gateway's own CPU per connect and per transaction").
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ["--min-semi-space-size=4"];
