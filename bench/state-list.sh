#!/usr/bin/env bash
# Local `state list` at scale (issue 17, docs/performance.md "State at scale"): CPU time (user+sys) and wall time of
# `state list` over a local state of SMALL and of BIG clusters, for one or more launchers, interleaved run by run
# (A small, A big, B small, B big, A small, ...) so that the load of a shared machine falls on all of them alike.
#
# Usage: bench/state-list.sh [runs] [label=launcher ...]   (default 5 runs; default launcher: this checkout's)
#   e.g. bench/state-list.sh 8 before=/tmp/main-copy/productive-k3s-infra.sh after=./productive-k3s-infra.sh
#   PK3S_SCALE_SMALL / PK3S_SCALE_BIG  sizes (default 10 / 1000)
#   PK3S_LIST_WORK  where the two states are built (default: a new temp dir); kept, and reused when it has them
#   PK3S_LIST_COLD=1  delete the local driver's heads memo (.history/heads.memo) before every timed run: the cost of
#                     a listing that reads every record (the first one after an upgrade, or after every cluster changed)
# Populating is bench/state-scale.sh's: one real install of "hist", then bench/StatePopulate.java persists its tree as
# the other clusters (and as more revisions of hist) through the engine's own state layer. Prints one line per run
# with the load average at its start, then the medians and the big/small ratio per launcher (goal: at most 1.5).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
runs="${1:-5}"
shift || true
launchers=("$@")
[ ${#launchers[@]} -gt 0 ] || launchers=("this=$repo/productive-k3s-infra.sh")
small="${PK3S_SCALE_SMALL:-10}"
big="${PK3S_SCALE_BIG:-1000}"
work=${PK3S_LIST_WORK:-$(mktemp -d)}
export HOME=$work/home TMPDIR=$work/tmp TELEMETRY_ENABLED=false TELEMETRY_ENDPOINT= PK3S_STATE_BACKEND=
export PK3S_STATE_HISTORY_LIMIT=10000
mkdir -p "$HOME" "$TMPDIR"
first=${launchers[0]#*=}
for size in "small:$small" "big:$big"; do
  dir=$work/local-${size%%:*} n=${size#*:}
  [ -d "$dir/.history" ] && continue
  PK3S_PROFILE_STATE_DIR=$dir "$first" profile install --tgz "$repo/examples/local-demo.tgz" \
    --env-file "$repo/examples/local-demo/site.env.example" --name hist >"$work/out" 2>&1 || { tail -5 "$work/out"; exit 1; }
  java -cp "$repo/target/lib/*" "$repo/bench/StatePopulate.java" "$dir" hist "$n" "$n" | tail -1
done
for spec in "${launchers[@]}"; do  # warm: page cache, class-data archive
  for s in small big; do PK3S_PROFILE_STATE_DIR=$work/local-$s "${spec#*=}" state list >/dev/null; done
done
echo "states in $work: $small and $big clusters; $runs interleaved runs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A cpu wall
for i in $(seq "$runs"); do
  for spec in "${launchers[@]}"; do
    for s in small big; do
      [ "${PK3S_LIST_COLD:-}" = 1 ] && rm -f "$work/local-$s/.history/heads.memo"
      load=$(cut -d' ' -f1 /proc/loadavg)
      PK3S_PROFILE_STATE_DIR=$work/local-$s /usr/bin/time -f "%U %S %e" -o "$work/time" "${spec#*=}" state list \
        >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
      read -r u sy w <"$work/time"
      c=$(echo "($u+$sy)*1000/1" | bc) ms=$(echo "$w*1000/1" | bc)
      cpu[${spec%%=*},$s]+="$c " wall[${spec%%=*},$s]+="$ms "
      echo "run $i ${spec%%=*} $s: cpu ${c} ms, wall ${ms} ms, load $load"
    done
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "== medians (ms), load average now $(cut -d' ' -f1-3 /proc/loadavg) =="
for spec in "${launchers[@]}"; do
  l=${spec%%=*}
  cs=$(echo "${cpu[$l,small]}" | median) cb=$(echo "${cpu[$l,big]}" | median)
  ws=$(echo "${wall[$l,small]}" | median) wb=$(echo "${wall[$l,big]}" | median)
  echo "$l: cpu $cs -> $cb ($(echo "scale=2; $cb / $cs" | bc)x), wall $ws -> $wb ($(echo "scale=2; $wb / $ws" | bc)x)"
done
