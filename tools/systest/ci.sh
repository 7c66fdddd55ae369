#!/usr/bin/env bash
# make test's VM system test for one architecture (called by tools/run-tests.sh; root): the guest base from
# the cache outside the clone, or built cold within SYSTEST_BASE_BUDGET seconds (0 or unset: no limit), then
# tests/Appliance.Vm.Tests for that architecture. Its last line is one of
#   systest <arch>: <N> passed, <M> failed
#   systest <arch>: NOT RUN (<why>)          a failure for the counts: the shipped unit went untested
# Needs out/linux-x64/appliance (the factory station) and out/appliance_*_<debian arch>.deb (make deb-package).
#
# usage: ci.sh arm64|amd64
set -uo pipefail
arch=${1:?usage: ci.sh arm64|amd64}
cd "$(dirname "$0")/../.."
budget=${SYSTEST_BASE_BUDGET:-0}
filter=$([ "$arch" = arm64 ] && echo Arm64BoxTests || echo Amd64BoxTests)

not_run() {
  echo "############################################################################"
  echo "# systest $arch: NOT RUN: $1"
  echo "############################################################################"
  echo "systest $arch: NOT RUN ($1)"
  exit 1
}

start=$SECONDS
if ! bash tools/systest/guest-base.sh "$arch" --cached >/dev/null 2>&1; then
  # A cold base is mostly dpkg under qemu-user: measured 14-85 min here depending on the machine's load.
  echo "systest $arch: the guest base is not cached (its inputs changed, or a new machine): building it (budget: ${budget} s, 0 = none)"
  if [ "$budget" -gt 0 ]; then
    timeout --kill-after=120 "$budget" bash tools/systest/guest-base.sh "$arch" >/dev/null; rc=$?
  else
    bash tools/systest/guest-base.sh "$arch" >/dev/null; rc=$?
  fi
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    not_run "the cold guest base did not build within SYSTEST_BASE_BUDGET=$budget s; run \`make systest-base\` once on this machine"
  elif [ "$rc" -ne 0 ]; then
    not_run "building the guest base failed (exit $rc)"
  fi
  echo "systest $arch: MEASURED cold guest base (s): $((SECONDS - start))"
fi

log=$(mktemp)
dotnet test tests/Appliance.Vm.Tests -c Debug --filter "FullyQualifiedName~$filter" --logger "console;verbosity=normal" 2>&1 | tee "$log"
# The normal-verbosity summary: "Total tests: 9", "     Passed: 8", "     Failed: 1" (a count of 0 is left out).
counts=""
if grep -qE '^Total tests: [0-9]+' "$log"; then
  p=$(sed -nE 's/^ +Passed: +([0-9]+)$/\1/p' "$log" | tail -n 1)
  f=$(sed -nE 's/^ +Failed: +([0-9]+)$/\1/p' "$log" | tail -n 1)
  counts="${p:-0} ${f:-0}"
fi
grep -E '^\s+Failed [A-Za-z_][A-Za-z0-9_.]+' "$log" | sed -E 's/^\s+Failed ([^ ]+).*/  failed: \1/' | sort -u
rm -f "$log"
[ -n "$counts" ] || not_run "the test project did not build or run"
read -r p f <<< "$counts"
echo "systest $arch: $p passed, $f failed"
[ "$f" -eq 0 ]
