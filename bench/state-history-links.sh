#!/usr/bin/env bash
# What checking the local history's directories for links costs (issue 17, docs/performance.md "Links inside the
# history"): the system calls of a `profile status` that stores N new small files as objects (one object put each,
# the case where the per-directory check runs most), counted with strace, for each launcher given.
#
# Usage: bench/state-history-links.sh [files] [launcher...]   (default 2000 files, this checkout's launcher)
#   Pass main's launcher and this one to compare (A B A B: run it twice).
# Counting calls, not timing them: the machine is shared, a count is exact.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$PWD"
files="${1:-2000}"
shift || true
launchers=("$@")
[ ${#launchers[@]} -gt 0 ] || launchers=("$repo/productive-k3s-infra.sh")
for launcher in "${launchers[@]}"; do
  dir="$(mktemp -d /tmp/pk3s-links-bench.XXXXXX)"
  mkdir -p "$dir/home" "$dir/tmp"
  state="$dir/home/state"
  cp examples/local-demo/site.env.example "$dir/site.env"
  run() {
    env -i PATH="$PATH" HOME="$dir/home" XDG_CACHE_HOME="$dir/home/cache" PK3S_PROFILE_STATE_DIR="$state" \
      TMPDIR="$dir/tmp" TELEMETRY_ENABLED=false TELEMETRY_ENDPOINT= "$@" --tgz "$repo/examples/local-demo.tgz" \
      --env-file "$dir/site.env" >/dev/null 2>"$dir/stderr" || { cat "$dir/stderr" >&2; exit 1; }
  }
  run "$launcher" profile install
  name="$(basename "$(ls -d "$state"/*.runtime)" .runtime)"
  mkdir -p "$state/$name.runtime/generated/many"
  for i in $(seq 1 "$files"); do printf 'file %s\n' "$i" > "$state/$name.runtime/generated/many/$i"; done
  run strace -f -c -o "$dir/strace" "$launcher" profile status
  objects=$(find "$state/.history/objects" -type f | wc -l)
  echo "== $launcher: $files new files, $objects objects stored; uptime: $(uptime | sed 's/.*load/load/')"
  awk 'NR > 2 && $NF ~ /^(newfstatat|lstat|stat|statx|fstatat64|getdents64|openat|mkdir|total)$/ {
         print "  " $NF ": " $4 }' "$dir/strace"
  rm -rf "$dir"
done
