#!/usr/bin/env bash
# Benchmarks (release build) with ratios against the docker CLI in the same run.
# BENCH_IDLE_SECONDS (default 60) sets the idle window.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_engine
prepare_run bench
trap sweep_run EXIT
cargo bench --locked --bench tui
cargo bench --locked --bench sizes
cargo bench --locked --bench cleanup
cargo bench --locked --bench shell
cargo bench --locked --bench files
