#!/usr/bin/env bash
# Runs every test project and prints one closing line `tests: N passed, M failed`.
# Integration tests need root (network namespaces) and the published binary in out/linux-x64.
set -uo pipefail
cd "$(dirname "$0")/.."
export APPLIANCE_BIN="${APPLIANCE_BIN:-$PWD/out/linux-x64/appliance}"
log=$(mktemp)
# Build in parallel, then run the test assemblies one at a time: the integration suites share the
# machine's CPU with network namespaces and real peers, and timing is kinder to them alone.
dotnet build Appliance.sln -c Debug 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -eq 0 ]; then
  dotnet test Appliance.sln -c Debug --no-build -m:1 --logger "console;verbosity=minimal" 2>&1 | tee -a "$log"
  status=${PIPESTATUS[0]}
fi

passed=0; failed=0
# Each test assembly ends with: "Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12, ..." (or "Failed!").
while read -r f p; do
  passed=$((passed + p)); failed=$((failed + f))
done < <(sed -nE 's/.*(Passed|Failed)! +- +Failed: +([0-9]+), +Passed: +([0-9]+),.*/\2 \3/p' "$log")
if grep -qE "error (CS|MSB|NU)[0-9]+" "$log" || { [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; }; then
  echo "run-tests: the build or the test host failed (exit $status)" >&2
  failed=$((failed + 1))
fi
mkdir -p out
# The names of failed tests, so the last lines of a long CI log say which one it was.
grep -E '^\s+Failed [A-Za-z_][A-Za-z0-9_.]+' "$log" | sed -E 's/^\s+Failed ([^ ]+).*/\1/' | sort -u > out/test-failures
rm -f "$log"
if [ -s out/test-failures ]; then
  echo "failed tests:"; sed 's/^/  /' out/test-failures
fi
# What the VM system test measured (boot to READY, boot to tunnel, image build, total), for the CI log.
for f in out/systest-*.log; do
  [ -e "$f" ] && grep -E "MEASURED|exposure|done in" "$f"
done
echo "$passed $failed" > out/test-counts
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
