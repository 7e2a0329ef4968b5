import { runAgents } from "./agents/run-agents";
import { runApi } from "./api/run-api";
import { runConnections } from "./connections/run-connections";
import { loadEnv } from "./env";
import { runLogin, runLogout } from "./login/run-login";
import { printJson } from "./output";
import { runPolicy } from "./policy/run-policy";

const USAGE = `usage: sluice <command>

  start        start the store, gateway and console (embedded PostgreSQL unless DATABASE_URL is set)
  migrate      apply pending migrations to DATABASE_URL and exit
  policy       apply -f FILE [--dry-run] | export [-o FILE] | schema   (policy as code; see docs/policy.md)
  login        sign this terminal in to the console (approve in a browser); logout revokes it
  connections  list | get | create | update | test | delete   (run one for its flags)
  agents       list | create NAME [--group G]...
  api          METHOD PATH [--data JSON]   (any /api/v1 call)

  Data goes to stdout (--json for JSON), messages to stderr: pnpm -s sluice connections list --json | jq`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  const env = loadEnv();
  switch (command) {
    case "start": {
      // Loaded only here: the start path pulls in the gateway and the OpenID provider, which other
      // commands do not need (and which announce themselves on stderr).
      await import("@sluice/gateway/wasm-tiers");
      const { runStart } = await import("./start/run-start");
      await runStart(env);
      return -1; // keeps running until a signal
    }
    case "migrate": {
      if (!env.DATABASE_URL) throw new Error("DATABASE_URL is not set");
      const { migrate } = await import("@sluice/db/migrations");
      const result = await migrate({ databaseUrl: env.DATABASE_URL });
      if (argv.includes("--json")) printJson(result);
      else console.error(`applied ${result.applied.length}, already applied ${result.alreadyApplied.length}`);
      return 0;
    }
    case "policy":
      return runPolicy(env, argv.slice(1));
    case "login":
      return runLogin(env, argv.slice(1));
    case "logout":
      return runLogout(env);
    case "api":
      return runApi(env, argv.slice(1));
    case "agents":
      return runAgents(env, argv.slice(1));
    case "connections":
      return runConnections(env, argv.slice(1));
    default:
      console.error(USAGE);
      return command === undefined || command === "help" ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    console.error(`sluice: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
