#!/usr/bin/env bash
# State at scale (issue 17, docs/performance.md "State at scale"): how `state list`, `state history`, a persist and a
# restore grow with the number of clusters and revisions, on the local backend and on PostgreSQL, and how many bytes
# persisting an unchanged runtime tree of many files adds.
#
# Usage: bench/state-scale.sh [runs]   (default 3; each number is the median of that many runs)
#   PK3S_SCALE_SMALL  the small size: clusters, and revisions of one cluster (default 10)
#   PK3S_SCALE_BIG    the big size (default 1000, the issue's)
#   PK3S_SCALE_FILES  files in the unchanged runtime tree (default 10000)
#   PK3S_SCALE_BACKENDS  "local pg" (default), or one of them
#   PK3S_BENCH_LAUNCHER  the launcher to measure (default: this checkout's)
#
# Each backend gets two states: "small" (SMALL clusters, the cluster "hist" with SMALL revisions) and "big" (BIG
# clusters, "hist" with BIG revisions). Each is populated honestly and fast: one real install of hist through the
# launcher, then bench/StatePopulate.java persists hist's runtime tree through the engine's own state layer
# (StateBackends.open, StateStore.persist: every revision a real persist of a real tree with its own
# engine-state.json) as the other clusters and hist's other revisions, ~2,000 persists in ~3 min instead of ~45 min
# of installs. Only the timed commands are measured, one at a
# time, through the launcher:
#   list     state list
#   history  state history hist
#   persist  profile install --name hist (an install always writes a revision)
#   restore  profile status --name hist  (restores hist's state; unchanged, so it writes no revision)
# Then FILES small files are put into <state dir>/tree.runtime/generated/ of a fresh cluster "tree" (small state),
# persisted once by an install, and installed again: the repeat's bytes added to .history/objects (local) and
# bytes uploaded ("state: uploaded N bytes" of --debug, and pg_total_relation_size('pk3s_blob_chunks')) should be ~0.
# Stops by itself: the default sizes take ~40 min on a 2-core machine at load ~15 (the 10,000-file tree is most of it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
runs="${1:-3}"
small="${PK3S_SCALE_SMALL:-10}"
big="${PK3S_SCALE_BIG:-1000}"
files="${PK3S_SCALE_FILES:-10000}"
backends="${PK3S_SCALE_BACKENDS:-local pg}"
launcher=${PK3S_BENCH_LAUNCHER:-$repo/productive-k3s-infra.sh}
tgz=$repo/examples/local-demo.tgz
site=$repo/examples/local-demo/site.env.example

# shellcheck source=../scripts/lib/throwaway-postgres.sh
. scripts/lib/throwaway-postgres.sh
pg_throwaway_start bench-scale bench
work=$pg_work
for size in small big; do
  "${pg_as[@]}" "$pg_bin/psql" -q -h "$work" -p "$pg_port" -U postgres -d postgres \
    -c "CREATE DATABASE bench_$size OWNER bench" >/dev/null
done
export HOME=$work/home TMPDIR=$work/tmp TELEMETRY_ENABLED=false TELEMETRY_ENDPOINT=
mkdir -p "$HOME" "$TMPDIR"
export PGPASSWORD=$pg_pw
# The local history keeps 20 revisions per name by default (docs/state.md "History"): keep them all, so that "hist"
# really has BIG revisions (PostgreSQL keeps every revision).
export PK3S_STATE_HISTORY_LIMIT=10000
echo "launcher: $launcher; PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port"
echo "sizes: $small vs $big clusters / revisions; median of $runs runs; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# env_for <backend> <size>: the environment of one state
env_for() {
  local dir=$work/$1-$2
  if [ "$1" = pg ]; then
    printf '%s\n' "PK3S_PROFILE_STATE_DIR=$dir" "PK3S_STATE_BACKEND=postgresql://bench@127.0.0.1:$pg_port/bench_$2"
  else
    printf '%s\n' "PK3S_PROFILE_STATE_DIR=$dir" "PK3S_STATE_BACKEND="
  fi
}
pk3s() {  # pk3s <backend> <size> args...: the launcher in that state; output to $work/out, fails loudly
  local b=$1 s=$2; shift 2
  local e; mapfile -t e < <(env_for "$b" "$s")
  env "${e[@]}" "$launcher" "$@" >"$work/out" 2>&1 || { echo "FAILED: $*" >&2; tail -5 "$work/out" >&2; exit 1; }
}
install_args=(profile install --tgz "$tgz" --env-file "$site" --lock-timeout 10m)
populate() {  # populate <backend> <size> <n>
  local b=$1 s=$2 n=$3 e t0=$(date +%s)
  mapfile -t e < <(env_for "$b" "$s")
  # One real install of hist through the launcher; then its runtime tree, restored, is persisted through the engine's
  # own state layer (bench/StatePopulate.java) as n-1 more clusters and n-1 more revisions of hist.
  pk3s "$b" "$s" "${install_args[@]}" --name hist
  env "${e[@]}" java -cp "$repo/target/lib/*" "$repo/bench/StatePopulate.java" "$work/$b-$s" hist "$n" "$n" \
    >"$work/out" 2>&1 || { tail -5 "$work/out" >&2; exit 1; }
  local how; how=$(tail -1 "$work/out")
  pk3s "$b" "$s" state list; local clusters=$(($(wc -l <"$work/out") - 1))
  pk3s "$b" "$s" state history hist; local revs=$(($(wc -l <"$work/out") - 1))
  echo "populated $b/$s: $clusters clusters, hist with $revs revisions in $(($(date +%s) - t0)) s ($how)"
}
median_ms() {  # median_ms <backend> <size> args...: median wall time of $runs runs, whole process
  local b=$1 s=$2 i t0 times=(); shift 2
  for i in $(seq "$runs"); do
    t0=$(date +%s%N); pk3s "$b" "$s" "$@"; times+=($((($(date +%s%N) - t0) / 1000000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}

declare -A result
for b in $backends; do
  populate "$b" small "$small"
  populate "$b" big "$big"
  for s in small big; do
    pk3s "$b" "$s" "${install_args[@]}" --name hist   # warm: the page cache and the download cache
    result[$b,$s,list]=$(median_ms "$b" "$s" state list)
    result[$b,$s,history]=$(median_ms "$b" "$s" state history hist)
    result[$b,$s,persist]=$(median_ms "$b" "$s" "${install_args[@]}" --name hist)
    result[$b,$s,restore]=$(median_ms "$b" "$s" profile status --tgz "$tgz" --env-file "$site" --name hist)
  done
done

echo
echo "== median of $runs runs, ms (whole command through the launcher); goal: big within 1.5x of small =="
printf '%-8s %-9s %-74s %8s %8s %6s %s\n' backend what command "$small" "$big" ratio verdict
for b in $backends; do
  for w in list history persist restore; do
    case $w in
      list) cmd="state list" ;;
      history) cmd="state history hist" ;;
      persist) cmd="profile install --tgz examples/local-demo.tgz --env-file … --name hist" ;;
      restore) cmd="profile status --tgz examples/local-demo.tgz --env-file … --name hist" ;;
    esac
    a=${result[$b,small,$w]} z=${result[$b,big,$w]}
    ratio=$(echo "scale=2; $z / $a" | bc -l)
    verdict=$(echo "$ratio <= 1.5" | bc -l | sed 's/1/met/;s/0/MISSED/')
    printf '%-8s %-9s %-74s %8s %8s %6s %s\n' "$b" "$w" "$cmd" "$a" "$z" "${ratio}x" "$verdict"
  done
done

if [[ " $backends " == *" pg "* ]]; then
  # The queries behind list, history and a prune's collection, planned on the big state: index scans, no payload read.
  echo
  echo "== PostgreSQL plans on the big state (EXPLAIN ANALYZE; the driver's SQL, state/pg/Revisions.java, BlobStore.java) =="
  explain() {  # explain <label> <sql>: the plan's node lines and its execution time
    echo "-- $1"
    "${pg_as[@]}" "$pg_bin/psql" -h "$work" -p "$pg_port" -U postgres -d bench_big -Atc "EXPLAIN (ANALYZE) $2" \
      | grep -E 'Scan|Join|Loop|Limit|Sort|Execution Time' | sed 's/  (cost=[^)]*)//; s/^/   /'
  }
  explain "heads (state list)" "SELECT r.name, r.revision, r.summary FROM pk3s_clusters c CROSS JOIN LATERAL
    (SELECT * FROM pk3s_revisions r WHERE r.name = c.name ORDER BY r.revision DESC LIMIT 1) r"
  explain "history (state history hist)" "SELECT r.name, r.revision, r.created_at, r.who, r.command, r.result,
    r.files, r.bytes FROM pk3s_revisions r WHERE r.name = 'hist' ORDER BY r.revision"
  explain "latest (every command)" "SELECT r.revision FROM pk3s_revisions r WHERE r.name = 'hist'
    ORDER BY r.revision DESC LIMIT 1"
  explain "collect (a prune: which candidates are still referenced)" "SELECT b.sha256 FROM pk3s_blobs b
    WHERE b.sha256 = ANY ((SELECT objects FROM pk3s_revisions WHERE name = 'hist' AND revision = 1)::text[])
    AND NOT EXISTS (SELECT 1 FROM pk3s_revisions r WHERE r.objects @> ARRAY[b.sha256])"
fi

echo
echo "== persisting an unchanged $files-file runtime tree again (profile install --name tree, small state) =="
objects_bytes() { if [ -d "$1/.history/objects" ]; then du -sb "$1/.history/objects" | cut -f1; else echo 0; fi; }
chunks_bytes() {
  "${pg_as[@]}" "$pg_bin/psql" -h "$work" -p "$pg_port" -U postgres -d bench_small -Atc \
    "SELECT pg_total_relation_size('pk3s_blob_chunks')"
}
for b in $backends; do
  dir=$work/$b-small
  pk3s "$b" small "${install_args[@]}" --name tree
  python3 - "$dir/tree.runtime/generated" "$files" <<'EOF'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    sub = os.path.join(d, "d%03d" % (i // 100))
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "f%05d.yaml" % i), "w") as f:
        f.write("# generated file %d\nkey: value-%d\n" % (i, i) + "x" * (i % 200) + "\n")
EOF
  sleep 2   # out of the digest memo's racy window
  echo "$b: tree.runtime: $(find "$dir/tree.runtime" -type f | wc -l) files, $(du -sb "$dir/tree.runtime" | cut -f1) bytes"
  for run in first repeat1 repeat2 repeat3; do
    before_obj=$(objects_bytes "$dir"); before_pg=0
    if [ "$b" = pg ]; then before_pg=$(chunks_bytes); fi
    t0=$(date +%s%N)
    pk3s "$b" small "${install_args[@]}" --name tree --debug
    t=$((($(date +%s%N) - t0) / 1000000))
    files_now=$(find "$dir/tree.runtime/generated" -type f | wc -l)
    if [ "$b" = pg ]; then
      line=$(grep -o 'state: uploaded [0-9]* bytes in [0-9]* new blob(s)' "$work/out" || echo "no upload line")
      printf '%-3s %-8s %6d ms  %-45s pk3s_blob_chunks +%d bytes  (%d files in generated/)\n' "$b" "$run" "$t" \
        "$line" $(($(chunks_bytes) - before_pg)) "$files_now"
    else
      printf '%-3s %-8s %6d ms  .history/objects +%d bytes  (%d files in generated/)\n' "$b" "$run" "$t" \
        $(($(objects_bytes "$dir") - before_obj)) "$files_now"
    fi
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
