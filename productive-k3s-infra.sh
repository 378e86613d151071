#!/usr/bin/env bash
# Productive K3S Infra launcher: finds Java, builds the engine on first use in a source checkout, and runs it.
# Prints nothing itself on success; arguments, stdio, environment and exit status pass through unchanged.
set -u

pk3s_die() { printf '[pk3s-infra] ERROR %s\n' "$1" >&2; exit "${2:-1}"; }

# Real location of this script, following symlinks without GNU readlink -f.
pk3s_self="${BASH_SOURCE[0]}"
while [ -L "$pk3s_self" ]; do
  pk3s_link="$(readlink "$pk3s_self")"
  case "$pk3s_link" in
    /*) pk3s_self="$pk3s_link" ;;
    *) pk3s_self="$(cd -P "$(dirname "$pk3s_self")" && pwd)/$pk3s_link" ;;
  esac
done
pk3s_dir="$(cd -P "$(dirname "$pk3s_self")" && pwd)"
case "$pk3s_dir" in
  */scripts) [ -f "$pk3s_dir/../productive-k3s-infra.sh" ] && pk3s_dir="$(cd -P "$pk3s_dir/.." && pwd)" ;;
esac
pk3s_root="${PRODUCTIVE_K3S_INFRA_REPO_DIR:-$pk3s_dir}"
pk3s_home="$pk3s_dir"

pk3s_min_java=17

# Java version of a binary, from the JDK's release file when possible (no JVM start), else from -version.
# Sets pk3s_java_full (e.g. 17.0.15) and pk3s_major (17); fails when the version cannot be read.
pk3s_java_version() {
  local bin="$1" real="$1" link home line ver=""
  while [ -L "$real" ]; do
    link="$(readlink "$real")"
    case "$link" in /*) real="$link" ;; *) real="$(dirname "$real")/$link" ;; esac
  done
  home="${real%/bin/java}"
  if [ "$home" != "$real" ] && [ -r "$home/release" ]; then
    while IFS= read -r line; do
      case "$line" in JAVA_VERSION=*) ver="${line#JAVA_VERSION=}"; ver="${ver//\"/}" ;; esac
    done < "$home/release"
  fi
  if [ -z "$ver" ]; then
    line="$("$bin" -version 2>&1)" || return 1
    line="${line#*version \"}"
    ver="${line%%\"*}"
  fi
  pk3s_java_full="$ver"
  ver="${ver#1.}"
  pk3s_major="${ver%%[.+-]*}"
  case "$pk3s_major" in ''|*[!0-9]*) return 1 ;; esac
}

pk3s_java=""
for pk3s_candidate in "$pk3s_home/runtime/bin/java" "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java 2>/dev/null || true)"; do
  [ -n "$pk3s_candidate" ] && [ -x "$pk3s_candidate" ] || continue
  pk3s_java_version "$pk3s_candidate" || continue
  if [ "$pk3s_major" -ge "$pk3s_min_java" ]; then pk3s_java="$pk3s_candidate"; break; fi
done
[ -n "$pk3s_java" ] || pk3s_die "missing dependency: java" 5

# Class-data sharing archive for this exact JVM and engine jar: cuts start-up time by about a third
# (docs/performance.md). A JVM only uses an archive made by its own build, so the file name carries the Java
# version; a rebuilt jar makes the archive stale, so it is retrained. CDS log output is silenced.
pk3s_cds_archive() { printf '%s/engine-%s.jsa' "$pk3s_lib" "${pk3s_java_full:-unknown}"; }
pk3s_train_cds() {
  local archive tmp sample
  archive="$(pk3s_cds_archive)"
  tmp="$archive.tmp.$$"
  # a representative run: archive reading, YAML, JSON events
  for sample in "$pk3s_home/examples/local-demo.tgz" "$pk3s_home/profile.tgz"; do
    [ -f "$sample" ] && break
  done
  if [ -f "$sample" ]; then
    set -- --events ndjson profile validate --tgz "$sample"
  else
    set -- bom --json
  fi
  "$pk3s_java" -XX:ArchiveClassesAtExit="$tmp" -Xlog:cds=off -Xlog:cds+dynamic=off -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -cp "$pk3s_lib/*" -Dpk3s.install.root="$pk3s_home" io.productivek3s.infra.Main "$@" </dev/null >/dev/null 2>&1
  if [ -s "$tmp" ]; then
    rm -f "$pk3s_lib"/engine-*.jsa
    mv -f "$tmp" "$archive"
  else
    rm -f "$tmp"
  fi
}

# Engine location, next to this launcher (PRODUCTIVE_K3S_INFRA_REPO_DIR moves the install root, not the engine):
# a release/export bundle ships lib/; a source checkout builds target/lib/ with Maven.
if [ -f "$pk3s_home/lib/productive-k3s-infra.jar" ]; then
  pk3s_lib="$pk3s_home/lib"
elif [ -f "$pk3s_home/pom.xml" ]; then
  pk3s_lib="$pk3s_home/target/lib"
  pk3s_jar="$pk3s_lib/productive-k3s-infra.jar"
  pk3s_stale() {
    [ -f "$pk3s_jar" ] || return 0
    [ -n "$(find "$pk3s_home/pom.xml" "$pk3s_home/src/main" -newer "$pk3s_jar" -print -quit 2>/dev/null)" ]
  }
  if pk3s_stale; then
    command -v mvn >/dev/null 2>&1 || pk3s_die "missing dependency: mvn (needed once to build the engine)" 5
    pk3s_lock="$pk3s_home/target/.build-lock"
    mkdir -p "$pk3s_home/target"
    pk3s_waited=0
    until mkdir "$pk3s_lock" 2>/dev/null; do  # another launcher is building: wait for it, at most 10 minutes
      sleep 1; pk3s_waited=$((pk3s_waited + 1))
      [ "$pk3s_waited" -lt 600 ] || pk3s_die "engine build lock is stuck: $pk3s_lock (remove it and retry)" 1
    done
    trap 'rmdir "$pk3s_lock" 2>/dev/null' EXIT
    if pk3s_stale; then
      printf '[pk3s-infra] INFO  Building the engine with Maven (first use or sources changed)...\n' >&2
      pk3s_log="$pk3s_home/target/engine-build.log"
      rm -rf "$pk3s_lib"  # no stale dependency jars on the class path after a dependency change
      if ! JAVA_HOME="${pk3s_java%/bin/java}" mvn -B -q -f "$pk3s_home/pom.xml" -DskipTests package >"$pk3s_log" 2>&1; then
        cat "$pk3s_log" >&2
        pk3s_die "engine build failed; see $pk3s_log" 1
      fi
    fi
    rmdir "$pk3s_lock" 2>/dev/null
    trap - EXIT
  fi
else
  pk3s_die "engine not found under $pk3s_home (expected lib/ or a source checkout with pom.xml)" 1
fi

# The JVM can name files only in its locale's charset (sun.jnu.encoding, fixed at start-up): under LANG=C it cannot
# even create a valid UTF-8 package member name. Run it with a UTF-8 LC_CTYPE and hand the caller's locale over in
# PK3S_INFRA_CALLER_LC_ALL / _LC_CTYPE ("unset" or "set:<value>"), which the engine restores for every child
# (io.productivek3s.infra.exec.CallerLocale).
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
  *.UTF-8 | *.utf8 | *.UTF8 | *.utf-8) ;;
  *)
    export PK3S_INFRA_CALLER_LC_ALL="${LC_ALL+set:$LC_ALL}" PK3S_INFRA_CALLER_LC_CTYPE="${LC_CTYPE+set:$LC_CTYPE}"
    : "${PK3S_INFRA_CALLER_LC_ALL:=unset}" "${PK3S_INFRA_CALLER_LC_CTYPE:=unset}"
    unset LC_ALL
    export LC_CTYPE=C.UTF-8
    ;;
esac

pk3s_cds=()
pk3s_archive="$(pk3s_cds_archive)"
if { [ ! -f "$pk3s_archive" ] || [ "$pk3s_lib/productive-k3s-infra.jar" -nt "$pk3s_archive" ]; } && [ -w "$pk3s_lib" ]; then
  pk3s_train_cds
fi
[ -f "$pk3s_archive" ] && pk3s_cds=(-XX:SharedArchiveFile="$pk3s_archive" -Xlog:cds=off -Xlog:cds+dynamic=off)

# Progress bars are drawn only on a terminal; Java cannot tell whether stderr is one.
pk3s_tty=false
[ -t 2 ] && pk3s_tty=true

exec "$pk3s_java" -XX:+UseSerialGC -Xmn8m -XX:Tier3InvocationThreshold=2000 -XX:Tier3MinInvocationThreshold=1000 -XX:Tier3CompileThreshold=20000 -XX:Tier3BackEdgeThreshold=600000 -Xshare:auto "${pk3s_cds[@]}" \
  -Dpk3s.install.root="$pk3s_root" -Dpk3s.stderr.tty="$pk3s_tty" \
  -cp "$pk3s_lib/*" io.productivek3s.infra.Main "$@"
