#!/usr/bin/env bash
# Measures what a broken telemetry endpoint costs a mutating command, as whole-process wall time:
# `profile install` of examples/local-demo.tgz with telemetry off, then on against endpoints on 127.0.0.1 that
# hang, answer 500, refuse connections, or work. Nothing leaves the machine.
#
#   bench/telemetry-exit-delay.sh [runs-per-case]   (default 3; prints min/median/max seconds per case)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-3}"
work="$(mktemp -d)"
cleanup() { # stop the endpoints this script started, by their recorded pids
  for pidfile in "$work"/endpoint-*.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

start_endpoint() { # mode -> prints the URL
  local out="$work/endpoint-$1.port"
  java "$root/bench/TelemetryEndpoint.java" "$1" > "$out" &
  echo "$!" > "$work/endpoint-$1.pid" # called in a subshell: a pid file outlives it
  for _ in $(seq 1 100); do [ -s "$out" ] && break; sleep 0.2; done
  printf 'http://127.0.0.1:%s/telemetry' "$(head -n 1 "$out")"
}

measure() { # label, then env assignments; prints min/median/max
  local label="$1"; shift
  local times=()
  for _ in $(seq 1 "$runs"); do
    local t0 t1
    t0="$(date +%s.%N)"
    env -i PATH="$PATH" HOME="$work/home" TMPDIR="$work/tmp" LANG=C.UTF-8 ${JAVA_HOME:+JAVA_HOME="$JAVA_HOME"} \
      PK3S_PROFILE_STATE_DIR="$work/state" "$@" \
      "$root/productive-k3s-infra.sh" profile install --tgz "$root/examples/local-demo.tgz" \
      --env-file "$root/examples/local-demo/site.env.example" > "$work/out.txt" 2>&1 \
      || { echo "install failed for $label:"; cat "$work/out.txt"; exit 1; }
    t1="$(date +%s.%N)"
    times+=("$(echo "$t1 - $t0" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v label="$label" '{ v[NR] = $1 } END {
    printf "%-58s min %6.2f s  median %6.2f s  max %6.2f s\n", label, v[1], v[int((NR + 1) / 2)], v[NR] }'
}

mkdir -p "$work/home" "$work/tmp"
"$root/productive-k3s-infra.sh" version > /dev/null  # build once, outside the measurements

hang="$(start_endpoint hang)"
fail="$(start_endpoint fail)"
ok="$(start_endpoint ok)"
refused="http://127.0.0.1:1/telemetry"  # nothing listens on port 1: connection refused

echo "profile install of examples/local-demo.tgz, $runs run(s) per case, $(nproc) CPU(s)"
measure "telemetry off (TELEMETRY_ENABLED=false)"                 TELEMETRY_ENABLED=false
measure "working endpoint"                                       TELEMETRY_ENABLED=true TELEMETRY_ENDPOINT="$ok"
measure "endpoint answers 500 (3 attempts per event)"            TELEMETRY_ENABLED=true TELEMETRY_ENDPOINT="$fail"
measure "endpoint refuses connections"                           TELEMETRY_ENABLED=true TELEMETRY_ENDPOINT="$refused"
measure "endpoint hangs, TELEMETRY_REQUEST_TIMEOUT_SECONDS=2"    TELEMETRY_ENABLED=true TELEMETRY_ENDPOINT="$hang" TELEMETRY_REQUEST_TIMEOUT_SECONDS=2
measure "endpoint hangs, default timeouts (10 s request)"        TELEMETRY_ENABLED=true TELEMETRY_ENDPOINT="$hang"
echo "outbox records left by the failing cases: $(find "$work/home/.cache/pk3s/telemetry-outbox" -name '*.json' 2>/dev/null | wc -l)"
