#!/usr/bin/env bash
# Encryption at rest (issue 20, docs/performance.md "Encryption at rest"): persist and restore of a runtime with one
# big provider binary and of a runtime of many small files, on PostgreSQL and on the local backend, encrypted
# (PK3S_STATE_ENCRYPTION_KEY_FILE) vs plain. Budget: encrypted at most 15% slower.
#
# Usage: bench/state-encryption.sh [runs]   (default 5; each number is the median of that many runs)
#   PK3S_BENCH_TREE_MB    size of the provider binary (default 300, the issue's size)
#   PK3S_BENCH_FILES      files of the small-file runtime (default 10000, the issue's size)
#   PK3S_BENCH_BACKENDS   default "postgresql local"
#   PK3S_BENCH_KINDS      default "big files"
#   PK3S_BENCH_SAME_JIT   1 (default): also measure plain with the JIT flags the launcher gives an encrypted run
#                         ("plain-c2", through _JAVA_OPTIONS, which the JVM applies after the launcher's flags), so
#                         the cipher's own cost is seen apart from the JIT choice. 0: only plain and sealed.
#   PK3S_BENCH_LAUNCHER   the launcher to measure (default: this checkout's); JAVA_HOME picks the Java as usual
#
# Per run, backend and mode a fresh cluster (--name) is installed from the example, then given fresh random content
# (so no mode can deduplicate it against an earlier run) and measured with /usr/bin/time:
#   persist  profile status --name <c>     (the tree changed: captures, uploads and commits a revision)
#   restore  state pull <c> --output <dir> (downloads, opens and verifies every object)
# The modes run interleaved (their order alternates per run), and every number carries the 1-minute load average at
# its start: the machine may be shared, so CPU time (user+sys of the whole command) is the main number, wall next.
# The local backend refuses a key in versions whose local history is not a state driver (exit 4): then its sealed
# rows say "local: not encrypted in this version" and only its plain numbers are printed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
runs="${1:-5}"
mb="${PK3S_BENCH_TREE_MB:-300}"
files="${PK3S_BENCH_FILES:-10000}"
backends="${PK3S_BENCH_BACKENDS:-postgresql local}"
kinds="${PK3S_BENCH_KINDS:-big files}"
launcher=${PK3S_BENCH_LAUNCHER:-$repo/productive-k3s-infra.sh}
tgz=$repo/examples/local-demo.tgz
site=$repo/examples/local-demo/site.env.example
modes="plain sealed"
[ "${PK3S_BENCH_SAME_JIT:-1}" = 1 ] && modes="plain sealed plain-c2"
# What the measured launcher adds for an encrypted state move (its scripts/lib/pk3s-launch.sh: pk3s_jvm_flags_sealed_c2
# and _sealed, and its shipped compiler directives; pk3s_jvm_flags_big and _sealed for a launcher from before them).
# _JAVA_OPTIONS splits at blanks: the launcher's path must have none.
lhome=$(cd "$(dirname "$launcher")" && pwd)
if grep -q "^pk3s_jvm_flags_sealed_c2=" "$lhome/scripts/lib/pk3s-launch.sh"; then
  same_jit="$(sed -n "s/^pk3s_jvm_flags_sealed_c2='\\(.*\\)'\$/\\1/p; s/^pk3s_jvm_flags_sealed='\\(.*\\)'\$/\\1/p" "$lhome/scripts/lib/pk3s-launch.sh" | tr '\n' ' ')"
  same_jit+="-XX:CompilerDirectivesFile=$lhome/scripts/lib/pk3s-sealed-jit.json"
else
  same_jit=$(sed -n "s/^pk3s_jvm_flags_big='\\(.*\\)'\$/\\1/p; s/^pk3s_jvm_flags_sealed='\\(.*\\)'\$/\\1/p" "$lhome/scripts/lib/pk3s-launch.sh" | tr '\n' ' ')
fi
[ -x /usr/bin/time ] || { echo "state-encryption: /usr/bin/time is needed (apt-get install time)" >&2; exit 5; }

# shellcheck source=../scripts/lib/throwaway-postgres.sh
. scripts/lib/throwaway-postgres.sh
pg_throwaway_start bench-crypto bench
work=$pg_work
for mode in $modes; do
  "${pg_as[@]}" "$pg_bin/psql" -q -h "$work" -p "$pg_port" -U postgres -d postgres \
    -c "CREATE DATABASE \"bench_${mode/-/_}\" OWNER bench" >/dev/null
done
export HOME=$work/home TMPDIR=$work/tmp TELEMETRY_ENABLED=false TELEMETRY_ENDPOINT=
mkdir -p "$HOME" "$TMPDIR"
export PGPASSWORD=$pg_pw
export PK3S_STATE_CONNECT_TIMEOUT=60   # a loaded machine: a 5 s connect timeout has failed runs here
"$launcher" state keygen --output "$work/state.key" >/dev/null
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java
echo "launcher: $launcher; $("$java_bin" -version 2>&1 | head -1); PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port"
echo "provider ${mb} MB, ${files} small files; median of $runs interleaved runs; $(nproc) CPUs; $(uptime | sed 's/^ *//')"
[[ $modes == *plain-c2* ]] && echo "plain-c2: plain with _JAVA_OPTIONS=\"$same_jit\""

pk3s() {  # pk3s <backend> <mode> args...: the launcher against that backend and mode; status in $rc, output in $work/out
  local backend=$1 mode=$2; shift 2
  local env=(PK3S_PROFILE_STATE_DIR="$work/$backend-$mode-state")
  if [ "$backend" = postgresql ]; then
    env+=(PK3S_STATE_BACKEND="postgresql://bench@127.0.0.1:$pg_port/bench_${mode/-/_}")
  else
    env+=(PK3S_STATE_BACKEND=local)
  fi
  [ "$mode" = sealed ] && env+=(PK3S_STATE_ENCRYPTION_KEY_FILE="$work/state.key")
  [ "$mode" = plain-c2 ] && env+=(_JAVA_OPTIONS="$same_jit")
  rc=0
  env "${env[@]}" /usr/bin/time -f '%e %U %S' -o "$work/time" "$launcher" "$@" >"$work/out" 2>&1 || rc=$?
}
must() {  # must <backend> <mode> args...: pk3s, failing loudly
  pk3s "$@"
  [ "$rc" = 0 ] || { echo "FAILED ($rc): $1 $2 ${*:3}" >&2; tail -5 "$work/out" >&2; exit 1; }
}
fill() {  # fill <kind> <runtime dir>: fresh random content
  if [ "$1" = big ]; then
    local p=$2/opentofu/.terraform/providers/registry.example/bench/big/1.0.0/linux_amd64
    mkdir -p "$p"; head -c "$((mb * 1024 * 1024))" /dev/urandom >"$p/terraform-provider-big"; chmod 700 "$p/terraform-provider-big"
  else
    python3 bench/many-files.py "$2/generated" "$files"
  fi
}
load() { cut -d' ' -f1 /proc/loadavg; }
record() {  # record <key>: append "cpu_ms/wall_ms@load" of the last measured command
  local elapsed user sys
  read -r elapsed user sys < "$work/time"
  cpu[$1]+="$(echo "($user + $sys) * 1000 / 1" | bc) "
  wall[$1]+="$(echo "$elapsed * 1000 / 1" | bc) "
  loads[$1]+="$2 "
  echo "  run $i $1: cpu $(echo "($user + $sys) * 1000 / 1" | bc) ms, wall $(echo "$elapsed * 1000 / 1" | bc) ms, load $2"
}

declare -A cpu wall loads refused
for i in $(seq "$runs"); do
  order=$modes
  [ $((i % 2)) = 0 ] && order=$(printf '%s\n' $modes | tac | tr '\n' ' ')   # alternate which mode goes first
  for kind in $kinds; do
    for backend in $backends; do
      for mode in $order; do
        [ -n "${refused[$backend,$mode]:-}" ] && continue
        name=$kind$i
        pk3s "$backend" "$mode" profile install --tgz "$tgz" --env-file "$site" --name "$name"
        if [ "$rc" = 4 ] && [ "$backend" = local ] && [ "$mode" = sealed ] && grep -qi 'encrypt' "$work/out"; then
          refused[$backend,$mode]=$(grep -i -m1 'encrypt' "$work/out")
          continue
        fi
        [ "$rc" = 0 ] || { echo "FAILED ($rc): $backend $mode install" >&2; tail -5 "$work/out" >&2; exit 1; }
        fill "$kind" "$work/$backend-$mode-state/$name.runtime"
        sleep 2   # out of the digest memo's racy window
        l=$(load); must "$backend" "$mode" profile status --tgz "$tgz" --env-file "$site" --name "$name"
        record "$kind,$backend,$mode,persist" "$l"
        rm -rf "$work/pull"
        l=$(load); must "$backend" "$mode" state pull "$name" --output "$work/pull"
        record "$kind,$backend,$mode,restore" "$l"
      done
    done
  done
done
median() { printf '%s\n' $1 | sort -n | sed -n "$(((runs + 1) / 2))p"; }
ratio() { echo "scale=2; $2 / $1" | bc -l; }

echo
echo "== median of $runs runs, ms (whole command through the launcher: CPU = user+sys, wall); budget: sealed CPU at most 1.15x plain =="
printf '%-18s %-10s %-8s %9s %9s %6s %8s %8s %6s %-7s' runtime backend what 'plain cpu' 'seal cpu' ratio 'plain w' 'seal w' ratio verdict
[[ $modes == *plain-c2* ]] && printf ' %9s %6s' 'c2 cpu' ratio
echo
for kind in $kinds; do
  label=$([ "$kind" = big ] && echo "${mb} MB provider" || echo "$files small files")
  for backend in $backends; do
    for what in persist restore; do
      k=$kind,$backend
      a=$(median "${cpu[$k,plain,$what]}") aw=$(median "${wall[$k,plain,$what]}")
      if [ -n "${refused[$backend,sealed]:-}" ]; then
        printf '%-18s %-10s %-8s %9s %s\n' "$label" "$backend" "$what" "$a" "  (wall $aw) -- $backend: not encrypted in this version"
        continue
      fi
      z=$(median "${cpu[$k,sealed,$what]}") zw=$(median "${wall[$k,sealed,$what]}")
      r=$(ratio "$a" "$z")
      verdict=$(echo "$r <= 1.15" | bc -l | sed 's/1/met/;s/0/MISSED/')
      printf '%-18s %-10s %-8s %9s %9s %6s %8s %8s %6s %-7s' "$label" "$backend" "$what" "$a" "$z" "${r}x" "$aw" "$zw" "$(ratio "$aw" "$zw")x" "$verdict"
      if [[ $modes == *plain-c2* ]]; then
        c=$(median "${cpu[$k,plain-c2,$what]}")
        printf ' %9s %6s' "$c" "$(ratio "$c" "$z")x"
      fi
      echo
    done
  done
done
echo
echo "== every run: cpu ms / wall ms @ 1-minute load average at its start =="
for key in $(printf '%s\n' "${!cpu[@]}" | sort); do
  c=(${cpu[$key]}) w=(${wall[$key]}) l=(${loads[$key]}) line=""
  for j in "${!c[@]}"; do line+=" ${c[$j]}/${w[$j]}@${l[$j]}"; done
  printf '%-34s%s\n' "$key" "$line"
done
for backend in $backends; do
  [ -n "${refused[$backend,sealed]:-}" ] && echo "$backend: not encrypted in this version (sealed install: exit 4: ${refused[$backend,sealed]})"
done
for mode in $modes; do
  [[ $backends == *postgresql* ]] || break
  "${pg_as[@]}" "$pg_bin/psql" -h "$work" -p "$pg_port" -U postgres -d "bench_${mode/-/_}" -Atc \
    "SELECT '$mode: ' || pg_size_pretty(pg_database_size('bench_${mode/-/_}')) || ' database'"
done
echo "done; $(uptime | sed 's/^ *//')"
