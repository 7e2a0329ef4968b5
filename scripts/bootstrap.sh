#!/usr/bin/env bash
# Installs what Sluice needs on a fresh Debian machine with Node 20: pnpm, the workspace's
# dependencies (offline-safe: nothing downloads binaries), and the Prisma client.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh
if ! command -v pnpm >/dev/null 2>&1; then
  echo "[bootstrap] installing pnpm"
  npm install -g pnpm@10 >/dev/null
fi
if ! command -v openssl >/dev/null 2>&1; then
  echo "[bootstrap] installing openssl (the gateway generates its TLS certificate with it)"
  apt_install openssl
fi
pnpm install --frozen-lockfile --prefer-offline
