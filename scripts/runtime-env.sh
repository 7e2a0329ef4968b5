# Process settings for Sluice's long-running Node processes (sourced by start.sh and the benchmarks).
# The gateway's work happens on one thread: glibc's one-arena-per-thread malloc (64 MiB each) and
# V8's default 16 MiB young-generation semi-spaces only inflate its resident memory. Measured in
# docs/benchmarks.md ("Masking a streamed result"); values already set in the environment win.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
export NODE_OPTIONS="${NODE_OPTIONS:---max-semi-space-size=4}"
