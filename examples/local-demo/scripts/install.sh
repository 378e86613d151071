#!/usr/bin/env bash
# Packaged installer: the engine runs it with bash from the package root, REPO_ROOT set.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
make_bin="${PK3S_PROFILE_MAKE_BIN:-${PRODUCTIVE_K3S_INFRA_MAKE_BIN:-make}}"
exec "$make_bin" -C "$root/scenarios/local/demo" up
