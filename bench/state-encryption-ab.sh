#!/usr/bin/env bash
# Before/after of encrypted local state for many small files (issue 20, docs/performance.md "Encryption at rest",
# "Per-object costs"): the steps of bench/state-encryption.sh (fresh install, fresh random content, 2 s out of the
# digest memo's racy window, persist = `profile status`, restore = `state pull`), for two engine checkouts side by
# side, interleaved per run (the order reverses every other run), CPU (user+sys) and wall of each command with the
# 1-minute load average at its start.
#
# Usage: bench/state-encryption-ab.sh BEFORE AFTER [runs]   (default 3)
#   BEFORE, AFTER         engine checkouts (each a source tree with target/lib built, or a bundle); their launchers run
#   PK3S_BENCH_FILES      files of the small-file runtime (default 10000)
#   PK3S_BENCH_BACKEND    default local
#   PK3S_BENCH_EXTRA_JIT  when set: a fourth arm, AFTER sealed with these JVM options (through _JAVA_OPTIONS, which
#                         the JVM applies after the launcher's flags)
# Arms: before-sealed, after-sealed, after-plain [, after-sealed-extra]. Needs /usr/bin/time and python3.
set -euo pipefail
before=$(cd "$1" && pwd) after=$(cd "$2" && pwd) runs=${3:-3}
files=${PK3S_BENCH_FILES:-10000} backend=${PK3S_BENCH_BACKEND:-local}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tgz=$repo/examples/local-demo.tgz site=$repo/examples/local-demo/site.env.example
work=$(mktemp -d "${TMPDIR:-/tmp}/pk3s-bench-ab.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME=$work/home TMPDIR=$work/tmp TELEMETRY_ENABLED=false TELEMETRY_ENDPOINT=
mkdir -p "$HOME" "$TMPDIR"
"$after/productive-k3s-infra.sh" state keygen --output "$work/state.key" >/dev/null
arms="before-sealed after-sealed after-plain"
[ -n "${PK3S_BENCH_EXTRA_JIT:-}" ] && arms+=" after-sealed-extra"
echo "before: $before; after: $after; $files files, $backend, $runs interleaved runs; $(nproc) CPUs; $(uptime | sed 's/^ *//')"

measure() {  # measure <arm> <run>
  local arm=$1 i=$2 co mode extra=()
  co=$([[ $arm == before-* ]] && echo "$before" || echo "$after")
  mode=$([[ $arm == *-plain ]] && echo plain || echo sealed)
  local env=(PK3S_PROFILE_STATE_DIR="$work/$arm" PK3S_STATE_BACKEND="$backend")
  [ "$mode" = sealed ] && env+=(PK3S_STATE_ENCRYPTION_KEY_FILE="$work/state.key")
  [ "$arm" = after-sealed-extra ] && extra=(_JAVA_OPTIONS="$PK3S_BENCH_EXTRA_JIT")
  env "${env[@]}" "$co/productive-k3s-infra.sh" profile install --tgz "$tgz" --env-file "$site" --name "r$i" >/dev/null 2>&1
  python3 "$repo/bench/many-files.py" "$work/$arm/r$i.runtime/generated" "$files"
  sleep 2
  local line="run $i $arm:" what l e u s
  for what in persist restore; do
    l=$(cut -d' ' -f1 /proc/loadavg)
    rm -rf "$work/pull"
    if [ $what = persist ]; then
      env "${env[@]}" "${extra[@]}" /usr/bin/time -f '%e %U %S' -o "$work/time" \
        "$co/productive-k3s-infra.sh" profile status --tgz "$tgz" --env-file "$site" --name "r$i" >"$work/out" 2>&1
    else
      env "${env[@]}" "${extra[@]}" /usr/bin/time -f '%e %U %S' -o "$work/time" \
        "$co/productive-k3s-infra.sh" state pull "r$i" --output "$work/pull" >"$work/out" 2>&1
    fi || { echo "FAILED: $arm $what" >&2; tail -5 "$work/out" >&2; exit 1; }
    read -r e u s < "$work/time"
    line+=" $what cpu $(echo "($u + $s) * 1000 / 1" | bc) ms (user $u sys $s) wall $(echo "$e * 1000 / 1" | bc) ms @$l;"
  done
  echo "$line"
}
for i in $(seq "$runs"); do
  order=$arms
  [ $((i % 2)) = 0 ] && order=$(printf '%s\n' $arms | tac | tr '\n' ' ')
  for arm in $order; do measure "$arm" "$i"; done
done
echo "done; $(uptime | sed 's/^ *//')"
