#!/usr/bin/env bash
# Every test tier: lint, typecheck, unit, integration (real PostgreSQL and real clients), e2e (Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh
bash scripts/bootstrap.sh
# Real clients and Debian's Chromium; nothing is downloaded by the test tools themselves.
apt_install chromium postgresql-client postgresql-15 pgbouncer python3-psycopg2 python3-psycopg python3-sqlalchemy libpostgresql-jdbc-java mariadb-server mariadb-client python3-pymysql
command -v javac >/dev/null 2>&1 || apt_install default-jdk-headless
step() { echo; echo "=== $1"; }
step "lint";        pnpm lint
step "typecheck";   pnpm typecheck
step "unit";        pnpm exec vitest run --project unit
step "integration"; pnpm exec vitest run --project integration
step "e2e";         pnpm exec playwright test
echo; echo "all tiers passed"
