#!/usr/bin/env bash
# Telemetry sender kept for callers of the bash layout (docs/release.md#bundle-layout): POSTs one event file, honouring the
# TELEMETRY_* variables as the engine does (docs/telemetry.md#delivery). Best effort: prints nothing on stdout and always exits 0.
# Usage: scripts/send-telemetry-event.sh <event.json>
set -u
event=${1:-}
[ -n "$event" ] && [ -r "$event" ] || exit 0
case $(printf '%s' "${TELEMETRY_ENABLED:-true}" | tr '[:upper:]' '[:lower:]') in 0|false|no|n|off) exit 0 ;; esac
endpoint=${TELEMETRY_ENDPOINT-https://telemetry.productive-k3s.io/telemetry}   # unset: default; empty: disabled
case $endpoint in http://*|https://*) ;; *) exit 0 ;; esac
command -v curl >/dev/null 2>&1 || exit 0
int_or() { case $1 in ''|*[!0-9]*) printf '%s' "$2" ;; *) if [ "$1" -lt 1 ]; then printf '%s' "$2"; else printf '%s' "$1"; fi ;; esac; }
attempts=$(int_or "${TELEMETRY_MAX_RETRIES:-}" 3); [ "$attempts" -le 10 ] || attempts=10
connect=$(int_or "${TELEMETRY_CONNECT_TIMEOUT_SECONDS:-}" 5)
request=$(int_or "${TELEMETRY_REQUEST_TIMEOUT_SECONDS:-}" 10)
headers=(-H 'Content-Type: application/json' -H "X-Productive-K3S-Telemetry: ${TELEMETRY_MARKER:-pk3s-public-v1}"
  -H "User-Agent: ${TELEMETRY_USER_AGENT:-productive-k3s-infra/${PRODUCTIVE_K3S_INFRA_VERSION:-${PK3S_INFRA_RELEASE_TAG:-dev}}}")
[ -n "${TELEMETRY_BEARER_TOKEN:-}" ] && headers+=(-H "Authorization: Bearer $TELEMETRY_BEARER_TOKEN")
delay=0.5
for ((i = 1; i <= attempts; i++)); do
  status=$(curl -sS -o /dev/null -w '%{http_code}' --connect-timeout "$connect" --max-time "$request" \
    -X POST "${headers[@]}" --data-binary "@$event" "$endpoint" 2>/dev/null) || status=000
  case $status in [123][0-9][0-9]) exit 0 ;; esac
  [ "$i" -lt "$attempts" ] || break
  sleep "$delay"
  case $delay in 0.5) delay=1 ;; 1) delay=2 ;; 2) delay=4 ;; *) delay=5 ;; esac
done
exit 0
