# shellcheck shell=sh
# Shell helpers written once (docs/release.md "Shell helpers"): symlink resolution, JDK `release` files and the
# user's cache directory. Sourced by the launcher (productive-k3s-infra.sh under /bin/sh and its bash part
# scripts/lib/pk3s-launcher.bash, at run time; release and export bundles carry this file as
# scripts/lib/pk3s-shell.sh), the release builder (scripts/build-release-bundle.sh,
# scripts/lib/release-jdk.sh), and pasted into the installer when the builder renders it (the installer is downloaded
# alone, so it cannot source anything). Builtins only, results in variables instead of $(...): the launcher's common
# path forks nothing. POSIX sh (dash) plus `local`, and bash 3.2 (macOS /bin/bash): no arrays, no ${x//}, no [[.

# pk3s_resolve PATH: PATH with symlinks of its last component followed (no GNU readlink -f), in pk3s_resolved.
# Forks readlink once per link, nothing when PATH is no link.
pk3s_resolve() {
  local link
  pk3s_resolved=$1
  while [ -L "$pk3s_resolved" ]; do
    link=$(readlink "$pk3s_resolved")
    case $link in /*) pk3s_resolved=$link ;; *) pk3s_resolved=${pk3s_resolved%/*}/$link ;; esac
  done
}

# pk3s_read_release FILE: the KEY="value" lines of a JDK release file, in pk3s_rel_version / pk3s_rel_os /
# pk3s_rel_arch (empty when missing), and the major version in pk3s_major (1.8.0 -> 8, 25.0.3 -> 25; empty when
# unreadable).
pk3s_read_release() {
  local line
  pk3s_rel_version="" pk3s_rel_os="" pk3s_rel_arch=""
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in *=\"*\") line=${line%%=*}=${line#*=\"}; line=${line%\"} ;; esac   # KEY="value" -> KEY=value
    case $line in
      JAVA_VERSION=*) pk3s_rel_version=${line#JAVA_VERSION=} ;;
      OS_NAME=*) pk3s_rel_os=${line#OS_NAME=} ;;
      OS_ARCH=*) pk3s_rel_arch=${line#OS_ARCH=} ;;
    esac
  done < "$1"
  pk3s_major_of "$pk3s_rel_version"
}

# pk3s_major_of VERSION: major of a dotted Java version in pk3s_major; empty when unreadable.
pk3s_major_of() {
  local v=${1#1.}
  v=${v%%[.+-]*}
  case $v in ''|*[!0-9]*) v="" ;; esac
  pk3s_major=$v
}

# pk3s_cache_base: the user's cache directory in pk3s_cache_base: $XDG_CACHE_HOME when absolute, else $HOME/.cache
# when HOME is absolute, else empty (no cache). The engine's own cache is <base>/pk3s (catalog/CacheDir, same rule).
pk3s_cache_base() {
  pk3s_cache_base=""
  case ${XDG_CACHE_HOME:-} in
    /*) pk3s_cache_base=$XDG_CACHE_HOME ;;
    *) case ${HOME:-} in /*) pk3s_cache_base=$HOME/.cache ;; esac ;;
  esac
}
