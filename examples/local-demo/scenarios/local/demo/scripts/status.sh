#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -f generated/cluster.json ]; then
  echo "local-demo: not installed (no generated/cluster.json)" >&2
  exit 3
fi
serial="$(sed -n 's/.*"serial": *\([0-9]*\).*/\1/p' opentofu/terraform.tfstate 2>/dev/null | head -n 1)"
echo "local-demo: cluster '$(sed -n 's/.*"cluster_name": *"\([^"]*\)".*/\1/p' generated/cluster.json | head -n 1)' is up (state serial ${serial:-none})"
