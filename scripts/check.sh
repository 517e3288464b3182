#!/usr/bin/env bash
# make check: every test (unit, golden CLI, integration, fuzz seed replays) in the normal
# build (-Werror) and again in the AddressSanitizer + UBSan build; closes with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=86:detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:exitcode=87:print_stacktrace=1}
status=0
for b in build build-asan; do
  echo "== meson test -C $b"
  meson test -C "$b" --print-errorlogs --num-processes 2 || status=1
done
python3 tests/summarize.py build build-asan || status=1
exit $status
