#!/usr/bin/env bash
# Encryption at rest (issue 20, docs/performance.md "Encryption at rest"): persist and restore of a runtime with one
# big provider binary and of a runtime of many small files, PostgreSQL, encrypted (PK3S_STATE_ENCRYPTION_KEY_FILE)
# vs plain. Budget: encrypted at most 15% slower. (The local backend refuses a key in this version: docs/state.md.)
#
# Usage: bench/state-encryption.sh [runs]   (default 3; each number is the median of that many runs)
#   PK3S_BENCH_TREE_MB   size of the provider binary (default 300, the issue's size)
#   PK3S_BENCH_FILES     files of the small-file runtime (default 10000)
#   PK3S_BENCH_LAUNCHER  the launcher to measure (default: this checkout's)
#
# Per run and mode, a fresh cluster (--name) is installed from the example, then given fresh random content (so the
# plain backend cannot deduplicate it against an earlier run) and measured:
#   persist  profile status --name <c>   (the tree changed: captures, uploads and commits a revision)
#   restore  state pull <c> --output <dir> (downloads, opens and verifies every object)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
runs="${1:-3}"
mb="${PK3S_BENCH_TREE_MB:-300}"
files="${PK3S_BENCH_FILES:-10000}"
launcher=${PK3S_BENCH_LAUNCHER:-$repo/productive-k3s-infra.sh}
tgz=$repo/examples/local-demo.tgz
site=$repo/examples/local-demo/site.env.example

# shellcheck source=../scripts/lib/throwaway-postgres.sh
. scripts/lib/throwaway-postgres.sh
pg_throwaway_start bench-crypto bench
work=$pg_work
for mode in plain sealed; do
  "${pg_as[@]}" "$pg_bin/psql" -q -h "$work" -p "$pg_port" -U postgres -d postgres \
    -c "CREATE DATABASE bench_$mode OWNER bench" >/dev/null
done
export HOME=$work/home TMPDIR=$work/tmp TELEMETRY_ENABLED=false TELEMETRY_ENDPOINT=
mkdir -p "$HOME" "$TMPDIR"
export PGPASSWORD=$pg_pw
"$launcher" state keygen --output "$work/state.key" >/dev/null
echo "launcher: $launcher; PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port"
echo "provider ${mb} MB, ${files} small files; median of $runs runs; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

pk3s() {  # pk3s <mode> args...: the launcher against that mode's database; fails loudly
  local mode=$1; shift
  local key=(); if [ "$mode" = sealed ]; then key=(PK3S_STATE_ENCRYPTION_KEY_FILE="$work/state.key"); fi
  env PK3S_PROFILE_STATE_DIR="$work/$mode-state" PK3S_STATE_BACKEND="postgresql://bench@127.0.0.1:$pg_port/bench_$mode" \
    "${key[@]}" "$launcher" "$@" >"$work/out" 2>&1 || { echo "FAILED: $mode $*" >&2; tail -5 "$work/out" >&2; exit 1; }
}
fill() {  # fill <kind> <runtime dir>: fresh random content
  if [ "$1" = big ]; then
    local p=$2/opentofu/.terraform/providers/registry.example/bench/big/1.0.0/linux_amd64
    mkdir -p "$p"; head -c "$((mb * 1024 * 1024))" /dev/urandom >"$p/terraform-provider-big"; chmod 700 "$p/terraform-provider-big"
  else
    python3 - "$2/generated" "$files" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
salt = os.urandom(8).hex()
for i in range(n):
    sub = os.path.join(d, "d%03d" % (i // 100))
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "f%05d.yaml" % i), "w") as f:
        f.write("# generated file %d %s\nkey: value-%d\n" % (i, salt, i) + "x" * (i % 200) + "\n")
PY
  fi
}
declare -A times
for kind in big files; do
  for i in $(seq "$runs"); do
    for mode in plain sealed; do
      name=$kind$i
      pk3s "$mode" profile install --tgz "$tgz" --env-file "$site" --name "$name"
      fill "$kind" "$work/$mode-state/$name.runtime"
      sleep 2   # out of the digest memo's racy window
      t0=$(date +%s%N); pk3s "$mode" profile status --tgz "$tgz" --env-file "$site" --name "$name"
      times[$kind,$mode,persist]+="$((($(date +%s%N) - t0) / 1000000)) "
      grep -q 'revision' "$work/out" || true
      rm -rf "$work/pull"
      t0=$(date +%s%N); pk3s "$mode" state pull "$name" --output "$work/pull"
      times[$kind,$mode,restore]+="$((($(date +%s%N) - t0) / 1000000)) "
    done
  done
done
median() { printf '%s\n' $1 | sort -n | sed -n "$(((runs + 1) / 2))p"; }

echo
echo "== median of $runs runs, ms (whole command through the launcher); budget: sealed at most 1.15x plain =="
printf '%-26s %-8s %8s %8s %6s %s\n' runtime what plain sealed ratio verdict
for kind in big files; do
  for what in persist restore; do
    a=$(median "${times[$kind,plain,$what]}") z=$(median "${times[$kind,sealed,$what]}")
    ratio=$(echo "scale=2; $z / $a" | bc -l)
    verdict=$(echo "$ratio <= 1.15" | bc -l | sed 's/1/met/;s/0/MISSED/')
    label=$([ "$kind" = big ] && echo "${mb} MB provider" || echo "$files small files")
    printf '%-26s %-8s %8s %8s %6s %s   (runs: plain %s/ sealed %s)\n' "$label" "$what" "$a" "$z" "${ratio}x" "$verdict" \
      "${times[$kind,plain,$what]}" "${times[$kind,sealed,$what]}"
  done
done
for mode in plain sealed; do
  "${pg_as[@]}" "$pg_bin/psql" -h "$work" -p "$pg_port" -U postgres -d "bench_$mode" -Atc \
    "SELECT '$mode: ' || pg_size_pretty(pg_database_size('bench_$mode')) || ' database'"
done
