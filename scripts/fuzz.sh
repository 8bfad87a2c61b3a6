#!/bin/sh
# The parsers' property tests over hostile input (issue 13), run much longer than in the
# normal test run: mutated and random CSV, XLSX and plan TOML must give Ok or a clean error,
# never a panic, in bounded time. Also the file bombs of `bounds_tests`.
#
#   scripts/fuzz.sh [CASES]      (default 20000 cases per property; -j 1 on shared machines)
set -eu
cd "$(dirname "$0")/.."
CASES="${1:-20000}"
# (the dev profile builds dependencies at opt-level 2; a failing case prints its minimal input)
PROPTEST_CASES="$CASES" cargo test -j "${JOBS:-1}" -p thidua-ingest --lib -- \
    fuzz_tests bounds_tests --test-threads "${THREADS:-2}"
# mutated multipart bodies against the running server's upload routes
THIDUA_FUZZ_CASES="$CASES" exec cargo test -j "${JOBS:-1}" -p thidua-web --test web -- \
    mutated_multipart_uploads_never_break_the_server
