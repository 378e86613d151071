#!/usr/bin/env bash
# Whole-process wall time of engine commands, as users and pk3s run them (launcher included).
# Usage: bench/startup.sh [runs]   (default 20). Needs hyperfine if present, else falls back to a bash loop.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-20}"
./productive-k3s-infra.sh version >/dev/null   # build on first use, outside the measurement
cmds=(
  "./productive-k3s-infra.sh version"
  "./productive-k3s-infra.sh bundle info --json"
  "./productive-k3s-infra.sh profile validate --tgz examples/local-demo.tgz"
)
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --warmup 3 --runs "$runs" --style basic "${cmds[@]}"
  exit 0
fi
for cmd in "${cmds[@]}"; do
  start=$(date +%s%N)
  for _ in $(seq "$runs"); do $cmd >/dev/null; done
  end=$(date +%s%N)
  printf '%-70s mean %6.1f ms over %d runs\n' "$cmd" "$(echo "($end - $start) / 1000000 / $runs" | bc -l)" "$runs"
done
