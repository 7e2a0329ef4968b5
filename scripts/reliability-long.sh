#!/usr/bin/env bash
# The reliability suite's long run: many more fuzzed sequences and concurrent sessions than CI's.
# The integration server's max_connections caps the sessions held (the load test leaves 30 free);
# raise it there for 500.
#
#   bash scripts/reliability-long.sh            (SLUICE_FUZZ_SEQUENCES=5000 SLUICE_LOAD_SESSIONS=500)
set -euo pipefail
cd "$(dirname "$0")/.."
export SLUICE_FUZZ_SEQUENCES="${SLUICE_FUZZ_SEQUENCES:-5000}"
export SLUICE_LOAD_SESSIONS="${SLUICE_LOAD_SESSIONS:-500}"
exec pnpm exec vitest run --project integration test/reliability --testTimeout 3600000
