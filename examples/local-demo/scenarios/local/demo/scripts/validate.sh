#!/usr/bin/env bash
set -euo pipefail
: "${DEMO_CLUSTER_NAME:?DEMO_CLUSTER_NAME is required}"
: "${DEMO_SITE:?DEMO_SITE is required}"
case "${DEMO_NODE_COUNT:-}" in [1-9]) ;; *) echo "DEMO_NODE_COUNT must be 1-9, got '${DEMO_NODE_COUNT:-}'" >&2; exit 2 ;; esac
echo "local-demo: inputs look valid"
