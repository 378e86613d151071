#!/usr/bin/env bash
# Local state history cost of a repeat `profile status` with a big runtime tree (issue 9, docs/performance.md).
#
# Usage: bench/state-local-history.sh [runs] [engine-launcher]   (default 5 runs, this checkout's launcher)
#   STATE_BENCH_MB   size of the provider binaries put into the runtime tree (default 300, in 3 files)
#   STATE_BENCH_DIR  scratch dir (default: a fresh temp dir)
#
# Installs examples/local-demo once, then puts STATE_BENCH_MB of incompressible "provider binaries" into
# <name>.runtime/opentofu/.terraform/providers/ (as an OpenTofu scenario persists them), runs one status (the first
# one that sees those files) and then measures repeat statuses: wall time, bytes of new or changed files in the
# state dir (inode, size or mtime differ) and bytes added to .history/objects. Pass another checkout's launcher as
# the second argument to measure an engine without history (before #9) the same way.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$PWD"
runs="${1:-5}"
launcher="${2:-$repo/productive-k3s-infra.sh}"
mb="${STATE_BENCH_MB:-300}"
dir="${STATE_BENCH_DIR:-$(mktemp -d /tmp/pk3s-state-bench.XXXXXX)}"
mkdir -p "$dir/home" "$dir/tmp"
state="$dir/home/state"
site="$dir/site.env"
cp examples/local-demo/site.env.example "$site"
run() {
  env -i PATH="$PATH" HOME="$dir/home" XDG_CACHE_HOME="$dir/home/cache" PK3S_PROFILE_STATE_DIR="$state" \
    TMPDIR="$dir/tmp" TELEMETRY_ENABLED=false TELEMETRY_ENDPOINT= "$launcher" "$@" --tgz "$repo/examples/local-demo.tgz" \
    --env-file "$site" >/dev/null 2>"$dir/stderr" || { cat "$dir/stderr" >&2; exit 1; }
}
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
snapshot() { find "$state" -type f -printf '%i %s %T@ %p\n' | sort; }
objects_bytes() { if [ -d "$state/.history/objects" ]; then du -sb "$state/.history/objects" | cut -f1; else echo 0; fi; }

run profile install
name="$(basename "$(ls -d "$state"/*.runtime)" .runtime)"
providers="$state/$name.runtime/opentofu/.terraform/providers/registry.opentofu.org/hashicorp/big/1.0.0/linux_amd64"
mkdir -p "$providers"
for i in 1 2 3; do
  head -c $((mb * 1024 * 1024 / 3)) /dev/urandom > "$providers/provider-$i"
  chmod 700 "$providers/provider-$i"
done
echo "runtime tree: $(du -sb "$state/$name.runtime" | cut -f1) bytes; engine: $launcher"

start=$(date +%s%N); run profile status
echo "first status seeing the big tree: $(ms "$start") ms, objects: $(objects_bytes) bytes"

total=0
for i in $(seq 1 "$runs"); do
  before_snapshot="$(snapshot)"
  before_objects=$(objects_bytes)
  start=$(date +%s%N); run profile status; t=$(ms "$start")
  total=$((total + t))
  written=$(comm -13 <(echo "$before_snapshot") <(snapshot) | awk '{s += $2} END {print s + 0}')
  echo "repeat status $i: $t ms, new/changed file bytes in the state dir: $written, new object bytes: $(( $(objects_bytes) - before_objects ))"
done
echo "mean repeat status: $((total / runs)) ms over $runs runs"
