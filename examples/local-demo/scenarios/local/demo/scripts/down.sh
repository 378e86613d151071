#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "${DEMO_FAIL_DESTROY:-}" = "true" ]; then
  echo "local-demo: DEMO_FAIL_DESTROY=true, refusing to destroy" >&2
  exit 9
fi
rm -rf generated opentofu/terraform.tfstate opentofu/terraform.tfstate.backup
echo "local-demo: destroyed"
