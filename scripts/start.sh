#!/usr/bin/env bash
# Quick start: install what is needed, then start Sluice (console, gateway, embedded PostgreSQL, demo).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
source scripts/runtime-env.sh
exec node --import tsx apps/cli/src/main.ts start
