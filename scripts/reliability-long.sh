#!/usr/bin/env bash
# The reliability suite's long run: many more fuzzed messages and concurrent sessions than CI's,
# held for minutes. The integration server's max_connections caps the sessions held (the load test
# leaves 30 free), so this run starts it with SLUICE_IT_MAX_CONNECTIONS (600: 500 sessions, their
# pooled backends, and room for the other files' servers). Every session has its own upstream
# backend (session pooling), so the machine needs memory for 500 PostgreSQL backends.
#
#   bash scripts/reliability-long.sh                       (the whole suite, sizes below)
#   bash scripts/reliability-long.sh test/reliability/load-and-faults.int.test.ts   (one file)
#   bash scripts/reliability-long.sh apps/gateway/test/mysql/mysql-no-stalls.int.test.ts
#                                                          (MySQL's stall test, not in CI's tier)
#
# SLUICE_FUZZ_MESSAGES    messages the session fuzzer sends on kept sessions (default 1000000)
# SLUICE_LOGIN_FUZZ_MESSAGES messages the protocol fuzzer sends, most costing a login (default 100000)
# SLUICE_FUZZ_LANES       concurrent fuzzed sessions of each (default 16), within
# SLUICE_FUZZ_MAX_SECONDS a time budget (default 0: none; the run reports how far it got)
# SLUICE_FUZZ_PROGRESS_SECONDS how often the session fuzzer prints its progress (default 60)
# SLUICE_LOAD_SESSIONS    concurrent sessions the load test holds (default 500) for
# SLUICE_LOAD_HOLD_SECONDS seconds, each asking a question every 5 s (default 180)
# SLUICE_STARTUP_FUZZ_CLIENTS mutated startups (default 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
export SLUICE_FUZZ_MESSAGES="${SLUICE_FUZZ_MESSAGES:-1000000}"
export SLUICE_LOGIN_FUZZ_MESSAGES="${SLUICE_LOGIN_FUZZ_MESSAGES:-100000}"
export SLUICE_FUZZ_LANES="${SLUICE_FUZZ_LANES:-16}"
export SLUICE_FUZZ_PROGRESS_SECONDS="${SLUICE_FUZZ_PROGRESS_SECONDS:-60}"
export SLUICE_FUZZ_MAX_SECONDS="${SLUICE_FUZZ_MAX_SECONDS:-0}"
export SLUICE_LOAD_SESSIONS="${SLUICE_LOAD_SESSIONS:-500}"
export SLUICE_LOAD_HOLD_SECONDS="${SLUICE_LOAD_HOLD_SECONDS:-180}"
export SLUICE_STARTUP_FUZZ_CLIENTS="${SLUICE_STARTUP_FUZZ_CLIENTS:-2000}"
export SLUICE_IT_MAX_CONNECTIONS="${SLUICE_IT_MAX_CONNECTIONS:-600}"
# Files CI's tier leaves out (vitest.config.ts says why) run here.
export SLUICE_LONG_SUITE=1
if [ "$#" -eq 0 ]; then set -- test/reliability; fi
exec pnpm exec vitest run --project integration "$@" --testTimeout 86400000
