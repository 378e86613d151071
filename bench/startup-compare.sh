#!/usr/bin/env bash
# Start-up of this checkout against another one (e.g. the previous commit), interleaved run by run so that the
# machine's load falls on both alike. Whole process through the launcher, as users run it: wall time, and the CPU
# time (user + system, all threads) that a loaded machine distorts far less than the wall clock.
# Usage: bench/startup-compare.sh <other checkout> [runs]   (default 20 per command and side)
#   other checkout: e.g. git archive <commit> | tar -x -C /tmp/before && (cd /tmp/before && mvn -B -o -q package -DskipTests)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
other="$(cd "${1:?usage: bench/startup-compare.sh <other checkout> [runs]}" && pwd)"
runs="${2:-20}"
cmds=("version" "bundle info --json" "profile validate --tgz examples/local-demo.tgz")
for dir in "$other" "$here"; do (cd "$dir" && ./productive-k3s-infra.sh version >/dev/null); done  # build and archive outside the measurement
out=$(mktemp); trap 'rm -f "$out"' EXIT
stats() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1; s+=$1} END {printf "mean %5.0f median %5d", s/NR, v[int((NR+1)/2)]}'; }
for cmd in "${cmds[@]}"; do
  declare -a wa=() wb=() ca=() cb=()
  for _ in $(seq "$runs"); do
    for side in other here; do
      dir=$other; [ "$side" = here ] && dir=$here
      (cd "$dir" && /usr/bin/time -o "$out" -f '%e %U %S' ./productive-k3s-infra.sh $cmd >/dev/null 2>&1)
      read -r wall user sys < "$out"
      w=$(awk -v x="$wall" 'BEGIN {printf "%d", x * 1000}'); c=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%d", (u + s) * 1000}')
      if [ "$side" = other ]; then wa+=("$w"); ca+=("$c"); else wb+=("$w"); cb+=("$c"); fi
    done
  done
  printf '%s (%d runs each, ms)\n  wall  other: %s   this: %s\n  cpu   other: %s   this: %s\n' "$cmd" "$runs" \
    "$(stats "${wa[@]}")" "$(stats "${wb[@]}")" "$(stats "${ca[@]}")" "$(stats "${cb[@]}")"
done
