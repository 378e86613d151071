#!/usr/bin/env bash
# Exact syscall counts of encrypted vs plain local state for many small files (issue 20, docs/performance.md
# "Per-object costs on the local backend, round 3"): the steps of bench/state-encryption-ab.sh (fresh install, fresh
# random content, 2 s out of the digest memo's racy window, persist = `profile status`, restore = `state pull`) for
# one engine checkout and one mode, each measured command run under `strace -f -c` (the launcher and every thread
# included). Counts do not depend on the machine's load, unlike times.
#
# Usage: bench/state-encryption-syscalls.sh CHECKOUT sealed|plain OUT [files]   (default 10000 files)
#   writes OUT.persist and OUT.restore (strace's summary tables). Run the checkout's launcher once before (e.g.
#   `version`): a source checkout rebuilds its jar and start-up archive when they are stale, and that would be
#   counted. Needs strace and python3.
set -euo pipefail
co=$(cd "$1" && pwd) mode=$2 out=$3 files=${4:-10000}
case $mode in sealed|plain) ;; *) echo "mode must be sealed or plain" >&2; exit 2 ;; esac
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tgz=$repo/examples/local-demo.tgz site=$repo/examples/local-demo/site.env.example
work=$(mktemp -d "${TMPDIR:-/tmp}/pk3s-bench-syscalls.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME=$work/home TMPDIR=$work/tmp TELEMETRY_ENABLED=false TELEMETRY_ENDPOINT=
mkdir -p "$HOME" "$TMPDIR"
env=(PK3S_PROFILE_STATE_DIR="$work/state" PK3S_STATE_BACKEND=local)
if [ "$mode" = sealed ]; then
  "$co/productive-k3s-infra.sh" state keygen --output "$work/state.key" >/dev/null
  env+=(PK3S_STATE_ENCRYPTION_KEY_FILE="$work/state.key")
fi
env "${env[@]}" "$co/productive-k3s-infra.sh" profile install --tgz "$tgz" --env-file "$site" --name r1 >/dev/null 2>&1
python3 "$repo/bench/many-files.py" "$work/state/r1.runtime/generated" "$files"
sleep 2
env "${env[@]}" strace -f -c -o "$out.persist" "$co/productive-k3s-infra.sh" profile status --tgz "$tgz" \
  --env-file "$site" --name r1 >"$work/out" 2>&1 || { echo "FAILED: persist" >&2; tail -5 "$work/out" >&2; exit 1; }
env "${env[@]}" strace -f -c -o "$out.restore" "$co/productive-k3s-infra.sh" state pull r1 --output "$work/pull" \
  >"$work/out" 2>&1 || { echo "FAILED: restore" >&2; tail -5 "$work/out" >&2; exit 1; }
for what in persist restore; do
  echo "$mode $what: $(awk '$NF ~ /^(statx|read|write|openat|total)$/ { printf "%s %s (%s failed)  ", $NF, $4, (NF == 6 ? $5 : 0) }' "$out.$what")"
done
