#!/usr/bin/env bash
# The reliability suite's long run: many more fuzzed sequences and concurrent sessions than CI's.
# The integration server's max_connections caps the sessions held (the load test leaves 30 free),
# so this run starts it with SLUICE_IT_MAX_CONNECTIONS (600: 500 sessions, their pooled backends,
# and room for the other files' servers). Every session has its own upstream backend (session
# pooling), so the machine needs memory for 500 PostgreSQL backends.
#
#   bash scripts/reliability-long.sh            (SLUICE_FUZZ_SEQUENCES=5000 SLUICE_LOAD_SESSIONS=500)
set -euo pipefail
cd "$(dirname "$0")/.."
export SLUICE_FUZZ_SEQUENCES="${SLUICE_FUZZ_SEQUENCES:-5000}"
export SLUICE_LOAD_SESSIONS="${SLUICE_LOAD_SESSIONS:-500}"
export SLUICE_STARTUP_FUZZ_CLIENTS="${SLUICE_STARTUP_FUZZ_CLIENTS:-2000}"
export SLUICE_IT_MAX_CONNECTIONS="${SLUICE_IT_MAX_CONNECTIONS:-600}"
exec pnpm exec vitest run --project integration test/reliability --testTimeout 3600000
