#!/bin/sh
# Productive K3S Infra launcher: finds Java and runs the engine (docs/contract/invocation.md#launcher).
# Prints nothing itself on success; arguments, stdio, environment and exit status pass through unchanged, but for
# the state backend's password, which reaches the engine on a descriptor instead (docs/state.md "Credentials").
#
# Two parts (docs/contract/invocation.md "Launcher"): this POSIX sh front runs an installed bundle's common path
# itself — the bundled runtime for this OS and CPU, its shipped archive or a trained AOT cache, no credentials to
# hand over, no big --tgz, no encrypted state pull, status or destroy — and execs java (starting dash costs ~2 ms of
# CPU less than bash, ~5 ms less than `#!/usr/bin/env bash`: docs/performance.md "Round 7"). Everything else (a
# source checkout, another Java, the
# one-time AOT training run, the credential hand-over, the big-package JIT choice) is scripts/lib/pk3s-launcher.bash,
# exec'd with the same arguments. Flags and shared decisions: scripts/lib/pk3s-launch.sh, sourced by both.
set -u

pk3s_die() { printf '[pk3s-infra] ERROR %s\n' "$1" >&2; exit "${2:-1}"; }

# Real location of this script, following symlinks; fork-free unless the launcher is reached through a symlink.
# The one symlink loop outside scripts/lib/pk3s-shell.sh: that file, which holds the shared helpers, is found through it.
pk3s_self=$0
case $pk3s_self in /*) ;; *) pk3s_self=$PWD/$pk3s_self ;; esac
while [ -L "$pk3s_self" ]; do
  pk3s_link=$(readlink "$pk3s_self")
  case $pk3s_link in /*) pk3s_self=$pk3s_link ;; *) pk3s_self=${pk3s_self%/*}/$pk3s_link ;; esac
done
pk3s_home=${pk3s_self%/*}
while :; do   # a/./b -> a/b
  case $pk3s_home in */./*) pk3s_home=${pk3s_home%%/./*}/${pk3s_home#*/./} ;; *) break ;; esac
done
pk3s_home=${pk3s_home%/.}
pk3s_home=${pk3s_home%/scripts/..}   # started by the scripts/ alias
for pk3s_file in pk3s-shell.sh pk3s-launch.sh; do
  [ -r "$pk3s_home/scripts/lib/$pk3s_file" ] \
    || pk3s_die "engine installation incomplete: $pk3s_home/scripts/lib/$pk3s_file not found" 1
done
# shellcheck source=scripts/lib/pk3s-shell.sh
. "$pk3s_home/scripts/lib/pk3s-shell.sh"
# shellcheck source=scripts/lib/pk3s-launch.sh
. "$pk3s_home/scripts/lib/pk3s-launch.sh"

# pk3s_common_path ARGS...: 0 when this front can start the engine itself (see the header), with pk3s_java,
# pk3s_cp, pk3s_cds_opt and pk3s_cds_log set; 1 hands the run to the bash part, which decides everything again.
pk3s_common_path() {
  # credentials to hand over on fd 3 (docs/state.md "Credentials"): the bash part takes them out of the environment
  [ -z "${PK3S_INFRA_CREDENTIALS_FD:-}" ] && [ -z "${PGPASSWORD+set}" ] && ! pk3s_backend_password || return 1
  pk3s_lib=$pk3s_home/lib
  [ -f "$pk3s_lib/productive-k3s-infra.jar" ] || return 1   # a source checkout
  # the host's OS and CPU: Linux's own names without a fork (arch since Linux 6.1), else uname (one fork each)
  if [ -r /proc/sys/kernel/ostype ] && [ -r /proc/sys/kernel/arch ]; then
    read -r pk3s_host_os < /proc/sys/kernel/ostype && read -r pk3s_host_arch < /proc/sys/kernel/arch || return 1
  else
    pk3s_host_os=$(uname -s 2>/dev/null) && pk3s_host_arch=$(uname -m 2>/dev/null) || return 1
  fi
  pk3s_bundled_runtime "$pk3s_host_os" "$pk3s_host_arch" || return 1
  pk3s_bundle_startup "${1:-}" "${2:-}" || return 1   # shipped archive not valid (times lost): a cache archive
  [ -z "$pk3s_aot_record" ] || return 1                 # the family's first run trains its AOT cache
  # A --tgz of pk3s_big_package bytes or more may need C2 (the bash part reads the launcher hints); a smaller one,
  # the common case, never does, and one under pk3s_small_package compiles later. The stat is the one fork.
  pk3s_last_tgz "$@"
  pk3s_jit_flags=""
  if [ -n "$pk3s_tgz" ] && [ -f "$pk3s_tgz" ]; then
    pk3s_file_stat "$pk3s_tgz" && [ "$pk3s_size" -lt "$pk3s_big_package" ] || return 1
    pk3s_small_jit "$pk3s_size"
  fi
  pk3s_print_jit "${1:-}"
  # an encrypted pull, status or destroy may be small enough for C1 only: the bash part reads the launcher hints
  if pk3s_sealed_run "${1:-}" "${2:-}"; then
    case "${1:-} ${2:-}" in "state pull" | "profile status" | "profile destroy" | "status "* | "destroy "*) return 1 ;; esac
  fi
  pk3s_class_path "$pk3s_lib"
}

if ! pk3s_common_path "$@"; then
  command -v bash >/dev/null 2>&1 || pk3s_die "missing dependency: bash" 5
  [ -r "$pk3s_home/scripts/lib/pk3s-launcher.bash" ] \
    || pk3s_die "engine installation incomplete: $pk3s_home/scripts/lib/pk3s-launcher.bash not found" 1
  exec bash "$pk3s_home/scripts/lib/pk3s-launcher.bash" "$@"
fi
pk3s_root=${PRODUCTIVE_K3S_INFRA_REPO_DIR:-$pk3s_home}
pk3s_caller_locale
# Progress bars are drawn only on a terminal; Java cannot tell whether stderr is one.
pk3s_tty=false
[ -t 2 ] && pk3s_tty=true
pk3s_flags="$pk3s_jvm_flags $pk3s_jit_flags" pk3s_sealed_opt=""
if pk3s_sealed_run "${1:-}" "${2:-}"; then
  pk3s_sealed_jit "$pk3s_jit_flags"
  pk3s_flags="$pk3s_flags $pk3s_sealed_flags"
fi
set -f   # the flag strings are split at blanks, never globbed
# shellcheck disable=SC2086
set -- $pk3s_flags ${pk3s_sealed_opt:+"$pk3s_sealed_opt"} "$pk3s_cds_opt" $pk3s_cds_log -Dpk3s.install.root="$pk3s_root" -Dpk3s.stderr.tty="$pk3s_tty" \
  -cp "$pk3s_cp" io.productivek3s.infra.Main "$@"
exec "$pk3s_java" "$@"
