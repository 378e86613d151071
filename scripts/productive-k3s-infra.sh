#!/bin/sh
# Alias launcher (docs/contract/invocation.md#launcher): same engine, same install root as ../productive-k3s-infra.sh,
# which it execs (that launcher takes its install root from the path it is started by: <this dir>/..).
# Fork-free unless reached through a symlink.
pk3s_self=$0
case $pk3s_self in /*) ;; *) pk3s_self=$PWD/$pk3s_self ;; esac
while [ -L "$pk3s_self" ]; do
  pk3s_link=$(readlink "$pk3s_self")
  case $pk3s_link in /*) pk3s_self=$pk3s_link ;; *) pk3s_self=${pk3s_self%/*}/$pk3s_link ;; esac
done
exec "${pk3s_self%/*}/../productive-k3s-infra.sh" "$@"
