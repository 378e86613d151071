#!/usr/bin/env bash
# Alias launcher (docs/contract/invocation.md#launcher): same engine, same install root as ../productive-k3s-infra.sh. It sources that
# launcher (which ends in exec) instead of starting a second bash; fork-free unless reached through a symlink.
pk3s_self=${BASH_SOURCE[0]}
case $pk3s_self in /*) ;; *) pk3s_self=$PWD/$pk3s_self ;; esac
while [ -L "$pk3s_self" ]; do
  pk3s_link=$(readlink "$pk3s_self")
  case $pk3s_link in /*) pk3s_self=$pk3s_link ;; *) pk3s_self=${pk3s_self%/*}/$pk3s_link ;; esac
done
. "${pk3s_self%/*}/../productive-k3s-infra.sh" "$@"
