#!/usr/bin/env bash
# Start-up of this checkout against another one (e.g. the previous commit), interleaved run by run so that the
# machine's load falls on both alike. Whole-process wall time through the launcher, as users run it.
# Usage: bench/startup-compare.sh <other checkout> [runs]   (default 20 per command and side)
#   other checkout: e.g. git archive <commit> | tar -x -C /tmp/before && (cd /tmp/before && mvn -B -o -q package -DskipTests)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
other="$(cd "${1:?usage: bench/startup-compare.sh <other checkout> [runs]}" && pwd)"
runs="${2:-20}"
cmds=("version" "bundle info --json" "profile validate --tgz examples/local-demo.tgz")
for dir in "$other" "$here"; do (cd "$dir" && ./productive-k3s-infra.sh version >/dev/null); done  # build and archive outside the measurement
now() { date +%s%N; }
for cmd in "${cmds[@]}"; do
  declare -a a=() b=()
  for _ in $(seq "$runs"); do
    for side in other here; do
      dir=$other; [ "$side" = here ] && dir=$here
      start=$(now); (cd "$dir" && ./productive-k3s-infra.sh $cmd >/dev/null 2>&1); end=$(now)
      ms=$(( (end - start) / 1000000 ))
      if [ "$side" = other ]; then a+=("$ms"); else b+=("$ms"); fi
    done
  done
  stats() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1; s+=$1} END {printf "mean %5.1f  median %4d  min %4d", s/NR, v[int((NR+1)/2)], v[1]}'; }
  printf '%-50s other: %s   this: %s   (ms, %d runs each)\n' "$cmd" "$(stats "${a[@]}")" "$(stats "${b[@]}")" "$runs"
done
