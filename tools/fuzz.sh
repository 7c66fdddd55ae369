#!/usr/bin/env bash
# Coverage-guided fuzzing of every outside entry point (tests/Appliance.Fuzz) with AFL++ and SharpFuzz.
#   FUZZ_SECONDS  time per harness (default 180)
#   HARNESSES     space-separated names (default: all; `dotnet out/fuzz/bin/Appliance.Fuzz.dll list`)
#   FUZZ_MINIMISE 1 (default): afl-cmin the queue back into tests/Appliance.Fuzz/corpus/NAME afterwards
# Crashes and hangs are copied to tests/Appliance.Fuzz/crashes/NAME/ so Appliance.Fuzz.Tests replays them in
# `make test` (fix the product, keep the file). A summary per harness goes to out/fuzz/summary.txt.
# Runs at nice 19: it only takes CPU nobody else wants.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-180}
FUZZ_MINIMISE=${FUZZ_MINIMISE:-1}
root=$PWD
out=$root/out/fuzz
src=$root/tests/Appliance.Fuzz
command -v afl-fuzz >/dev/null || { echo "afl-fuzz missing: apt-get install afl++ (make deps)" >&2; exit 1; }

rm -rf "$out/bin"
# A build, not a publish: the harness references the service's (self-contained, AOT) project, which publish refuses.
dotnet build "$src/Appliance.Fuzz.csproj" -c Release --nologo -v quiet
mkdir -p "$out" && cp -r "$src/bin/Release/net10.0" "$out/bin"
dotnet "$out/bin/Appliance.Fuzz.dll" instrument "$out/bin"
dotnet=$(command -v dotnet)
harness() { dotnet "$out/bin/Appliance.Fuzz.dll" "$@"; }
names=${HARNESSES:-$(harness list | awk '{print $1}')}

# The target is `dotnet`, not an AFL-compiled binary; SharpFuzz's fork server speaks AFL's protocol from inside it.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_FAST_CAL=1 AFL_CMPLOG_ONLY_NEW=1 DOTNET_TieredPGO=0
: > "$out/summary.txt.new"
for name in $names; do
  corpus=$src/corpus/$name
  findings=$out/findings/$name
  if [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then harness seed "$name" "$corpus"; fi
  rm -rf "$findings" && mkdir -p "$out/findings"
  echo "::: fuzzing $name for ${FUZZ_SECONDS}s"
  # -t: generous per-input timeout (ms); a hang past it is saved like a crash.
  # Under heavy load AFL++ now and then sees an empty map on its first dry run ("No instrumentation detected")
  # though the same input shows edges a moment later: try again before giving up.
  for attempt in 1 2 3; do
    rm -rf "$findings"
    nice -n 19 afl-fuzz -V "$FUZZ_SECONDS" -i "$corpus" -o "$findings" -t 2000 -m none \
      -- "$dotnet" "$out/bin/Appliance.Fuzz.dll" run "$name" > "$out/$name.log" 2>&1 && break
    [ "$attempt" = 3 ] && { echo "afl-fuzz failed for $name:"; tail -30 "$out/$name.log"; exit 1; }
    echo "afl-fuzz attempt $attempt for $name failed: $(grep -a 'PROGRAM ABORT' "$out/$name.log" | sed 's/\x1b\[[0-9;]*m//g')"
  done
  stats=$findings/default/fuzzer_stats
  stat() { sed -nE "s/^$1 +: (.*)/\1/p" "$stats"; }
  mkdir -p "$src/crashes/$name"
  found=0
  for f in "$findings"/default/crashes/id:* "$findings"/default/hangs/id:*; do
    [ -e "$f" ] || continue
    found=$((found + 1))
    cp "$f" "$src/crashes/$name/$(sha1sum "$f" | cut -c1-16)"
  done
  rmdir "$src/crashes/$name" 2>/dev/null || true
  line="$name: $(stat execs_done) execs in $(stat run_time)s ($(stat execs_per_sec)/s), edges $(stat edges_found) of map ($(stat bitmap_cvg)), corpus $(stat corpus_count), crashes $(stat saved_crashes), hangs $(stat saved_hangs)"
  echo "$line" | tee -a "$out/summary.txt.new"
  if [ "$FUZZ_MINIMISE" = 1 ]; then
    # Keep the corpus small: the inputs that cover every edge the queue reached, nothing else.
    rm -rf "$out/cmin-$name"
    if nice -n 19 afl-cmin -i "$findings/default/queue" -o "$out/cmin-$name" -t 5000 -m none \
         -- "$dotnet" "$out/bin/Appliance.Fuzz.dll" run "$name" > "$out/$name.cmin.log" 2>&1 \
       && [ -n "$(ls -A "$out/cmin-$name")" ]; then
      rm -rf "$corpus" && mkdir -p "$corpus"
      for f in "$out/cmin-$name"/*; do cp "$f" "$corpus/$(sha1sum "$f" | cut -c1-16)"; done
    else
      echo "afl-cmin failed for $name (corpus kept): $out/$name.cmin.log"
    fi
  fi
done
mv "$out/summary.txt.new" "$out/summary.txt"
echo "::: summary (out/fuzz/summary.txt)"; cat "$out/summary.txt"
