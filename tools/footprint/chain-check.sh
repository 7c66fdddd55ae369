#!/usr/bin/env bash
# The substitutions in src/Appliance/ILLink.Substitutions.xml remove X.509 chain paths (AIA download, CRL fetch,
# OCSP request) that the service's policy (NoCheck, DisableCertificateDownloads) never reaches. This builds the same
# chains (valid, missing intermediate, expired, wrong anchor, future time) with the JIT and with a NativeAOT build
# that uses the substitution file, and fails if any chain status differs. Run after editing the substitution file.
set -euo pipefail
here=$(cd "$(dirname "$0")/chain-check" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet run --project "$here" -c Release > "$out/jit.txt"
flock /tmp/aot.lock dotnet publish "$here" -c Release -r linux-x64 -o "$out/aot" > "$out/publish.log" 2>&1 || { tail -20 "$out/publish.log"; exit 1; }
"$out/aot/ChainCheck" > "$out/aot.txt"
if ! diff -u "$out/jit.txt" "$out/aot.txt"; then
  echo "chain-check: the NativeAOT build's chain results differ from the JIT's" >&2
  exit 1
fi
cat "$out/aot.txt"
echo "chain-check: NativeAOT with ILLink.Substitutions.xml builds the same chains as the JIT"
