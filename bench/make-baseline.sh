#!/usr/bin/env bash
# A runnable copy of another commit's packages/ for side-by-side benchmarks (`--baseline <dir>`):
# the commit's sources from git, and this checkout's installed dependencies linked in (pnpm's links
# between workspace packages are relative, so the copy's packages import each other, not ours).
#
#   bash bench/make-baseline.sh <commit> <dir>
set -euo pipefail
commit="$1"
dir="$2"
root="$(git rev-parse --show-toplevel)"
rm -rf "$dir"
mkdir -p "$dir"
# apps/gateway and test/tsx-command.ts: the HTTP and gateway-CPU benches run the baseline's gateway process.
git -C "$root" archive "$commit" packages apps/gateway test/tsx-command.ts scripts/runtime-env.sh tsconfig.base.json \
  | tar -x -C "$dir"
# Not a git checkout: the benches name the baseline by this file.
git -C "$root" rev-parse --short "$commit" >"$dir/.baseline-revision"
ln -s "$root/node_modules" "$dir/node_modules"
for package in "$root"/packages/*/ "$root"/apps/gateway/; do
  relative="${package#"$root"/}"
  if [[ -d "$package/node_modules" && -d "$dir/$relative" ]]; then
    cp -a "$package/node_modules" "$dir/$relative/node_modules"
  fi
done
# Native and generated files the sources import but git does not hold.
for generated in packages/masking/native/build packages/db/src/generated; do
  if [[ -e "$root/$generated" && ! -e "$dir/$generated" ]]; then
    mkdir -p "$(dirname "$dir/$generated")"
    ln -s "$root/$generated" "$dir/$generated"
  fi
done
echo "$dir: $(git -C "$root" rev-parse --short "$commit")"
