#!/usr/bin/env bash
# The whole test suite, from a fresh machine with (or able to start) a Docker engine:
# formatting, lints, unit and render tests, integration and end-to-end tests on the real engine.
# Every Docker object it makes is labelled with the run id and removed at the end, pass or fail.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_engine
prepare_run test
trap sweep_run EXIT
echo "test run $SANDKASTEN_TUI_TEST_RUN, image $SANDKASTEN_TUI_TEST_IMAGE"

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
log=$(mktemp)
set +e
cargo test --all-targets --locked 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line for the whole suite (cargo prints one per test binary).
awk '/^test result:/ { p += $4; f += $6; s += $8 } END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
