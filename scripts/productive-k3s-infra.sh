#!/usr/bin/env bash
# Alias launcher (contract §1.1): same engine, same install root as ../productive-k3s-infra.sh.
pk3s_self="${BASH_SOURCE[0]}"
while [ -L "$pk3s_self" ]; do
  pk3s_link="$(readlink "$pk3s_self")"
  case "$pk3s_link" in /*) pk3s_self="$pk3s_link" ;; *) pk3s_self="$(cd -P "$(dirname "$pk3s_self")" && pwd)/$pk3s_link" ;; esac
done
exec "$(cd -P "$(dirname "$pk3s_self")/.." && pwd)/productive-k3s-infra.sh" "$@"
