#!/usr/bin/env bash
# Interleaved start-up comparison: runs each command once per round, round after round, so a change of load on a
# shared machine hits every command alike (hyperfine runs one command's runs back to back). Prints, per command, the
# median and minimum wall time and the median CPU time (user + system of the process and its children), each also as
# a ratio to the first command's.
# Usage: bench/startup-interleaved.sh <rounds> <name>=<command> [<name>=<command> ...]
#   e.g. bench/startup-interleaved.sh 40 "static=env PK3S_INFRA_AOT_CACHE=off $B/productive-k3s-infra.sh version" \
#                                       "aot=$B/productive-k3s-infra.sh version"
# A command is split at blanks (no quoting), run with stdout and stderr discarded; 3 warm-up rounds are not counted.
# CPU comes from bash's own `time` (the children's rusage, to the millisecond; GNU time prints 10 ms steps).
# Numbers and their use: docs/performance.md.
set -euo pipefail
[ $# -ge 2 ] || { sed -n 2,9p "$0" >&2; exit 2; }
rounds=$1; shift
TIMEFORMAT="%3U %3S"
names=() cmds=()
for spec in "$@"; do
  case $spec in *=*) ;; *) echo "not <name>=<command>: $spec" >&2; exit 2 ;; esac
  names+=("${spec%%=*}"); cmds+=("${spec#*=}")
done
work=$(mktemp -d "${TMPDIR:-/tmp}/pk3s-interleaved.XXXXXX")
trap 'rm -rf "$work"' EXIT
for ((r = -3; r < rounds; r++)); do
  for i in "${!cmds[@]}"; do
    read -ra argv <<< "${cmds[$i]}"
    start=$EPOCHREALTIME
    { time "${argv[@]}" >/dev/null 2>&1 || true; } 2> "$work/cpu"
    end=$EPOCHREALTIME
    [ "$r" -ge 0 ] || continue
    read -r user sys < "$work/cpu"
    # wall in microseconds, CPU in milliseconds
    echo "$(( (${end/./} - ${start/./}) )) $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000 }')" >> "$work/$i"
  done
done
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '| command | wall median | wall min | CPU median (user+sys) | wall vs first | CPU vs first |\n|---|---|---|---|---|---|\n'
first="" first_cpu=""
for i in "${!cmds[@]}"; do
  med=$(cut -d' ' -f1 "$work/$i" | median)
  min=$(cut -d' ' -f1 "$work/$i" | sort -n | head -n1)
  cpu=$(cut -d' ' -f2 "$work/$i" | median)
  [ -n "$first" ] || { first=$med; first_cpu=$cpu; }
  awk -v n="${names[$i]}" -v m="$med" -v x="$min" -v c="$cpu" -v f="$first" -v fc="$first_cpu" \
    'BEGIN { printf "| %s | %.1f ms | %.1f ms | %.0f ms | %.2fx | %.2fx |\n", n, m / 1000, x / 1000, c, m / f, (fc > 0 ? c / fc : 0) }'
done
