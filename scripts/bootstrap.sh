#!/usr/bin/env bash
# Installs what Sluice needs on a fresh Debian machine with Node 20: pnpm, the workspace's
# dependencies (offline-safe: nothing downloads binaries), the Prisma client and the native keyed
# hash (compiled here from packages/masking/native).
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
if ! command -v cc >/dev/null 2>&1; then
  echo "[bootstrap] installing a C compiler (the install builds the native keyed hash against Node's headers)"
  apt_install gcc libc6-dev
fi
pnpm install --frozen-lockfile --prefer-offline
