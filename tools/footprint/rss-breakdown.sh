#!/usr/bin/env bash
# Where a running process's resident memory is (issue 19): sums Rss of /proc/PID/smaps per kind of mapping.
#   tools/footprint/rss-breakdown.sh PID
# binary = the appliance executable's own mappings (code, read-only data, .data/.bss/.hydrated); crypto = libcrypto and
# libssl; other libs = every other file mapping; anon = anonymous memory: the GC's regions, NativeMemory batches,
# thread stacks and glibc malloc arenas beyond [heap]. Peak (VmHWM) and thread count come from /proc/PID/status.
set -euo pipefail
pid=${1:?usage: rss-breakdown.sh PID}
python3 - "$pid" <<'PY'
import re, sys
pid = sys.argv[1]
kinds = {}
name = None
big = []
for line in open(f'/proc/{pid}/smaps'):
    m = re.match(r'^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$', line)
    if m:
        perms, path = m.group(1), m.group(2).strip()
        if path.endswith('/appliance') or path.endswith('/appliance (deleted)'):
            name = 'binary ' + ('code' if 'x' in perms else ('data' if 'w' in perms else 'rodata'))
        elif re.search(r'libcrypto|libssl', path): name = 'crypto (libcrypto, libssl)'
        elif path == '[heap]': name = 'malloc [heap]'
        elif path == '[stack]': name = 'main stack'
        elif path.startswith('['): name = path
        elif path: name = 'other libs (libc, libsodium, ...)'
        else: name = 'anon (GC regions, batches, thread stacks, arenas)'
        continue
    if line.startswith('Rss:'):
        kb = int(line.split()[1]); kinds[name] = kinds.get(name, 0) + kb
status = dict(l.split(':', 1) for l in open(f'/proc/{pid}/status'))
for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]):
    if v: print(f'{v:>8} KiB  {k}')
print(f'{sum(kinds.values()):>8} KiB  RSS now; peak VmHWM {status["VmHWM"].strip()}, threads {status["Threads"].strip()}')
PY
