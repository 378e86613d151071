#!/usr/bin/env bash
# Productive K3S Infra launcher: finds Java and runs the engine (docs/contract/invocation.md#launcher).
# Prints nothing itself on success; arguments, stdio, environment and exit status pass through unchanged, but for
# the state backend's password, which reaches the engine on a descriptor instead (see "State backend credentials").
#
# Two layouts:
#  - installed bundle (release or export, has lib/): READ-ONLY. Never calls Maven, never writes into its own
#    directory. A start-up archive made at run time (only when the bundled one cannot serve this Java) goes to the
#    user's cache directory. The common path (bundled runtime + bundled archive) forks nothing before exec.
#  - source checkout (has pom.xml): builds target/lib with Maven on first use or after a source change, and keeps
#    its start-up archive under target/ (a developer convenience).
# Kept compatible with bash 3.2 (macOS /bin/bash): no ${x,,}, no associative arrays, no mapfile.
set -u

pk3s_die() { printf '[pk3s-infra] ERROR %s\n' "$1" >&2; exit "${2:-1}"; }

# ---- JVM flags: the one place they are set (docs/performance.md says why each one is here) --------------------
# SerialGC: one core-friendly collector with the cheapest start-up. TieredStopAtLevel=1: C1 only, short runs.
# -Xmx384m: bounded memory. -Xmn8m: a young generation sized for our live set, not a third of the machine's RAM,
# so peak RSS stays under 128 MB for any package (100,000 files: 165 MB -> 79 MB; docs/performance.md).
# -UsePerfData: no hsperfdata file in /tmp and no mmap at start-up (jps/jcmd cannot list the engine).
# (One line: scripts/build-release-bundle.sh trains the start-up archive with exactly these flags.)
pk3s_jvm_flags=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx384m -Xmn8m -XX:-UsePerfData)
# A local --tgz of pk3s_big_package bytes or more adds these: C2 for the hot loops (SHA-256 and inflating a 217 MB
# package: 2.45 s of CPU at C1 only, 0.97 s with C2), C1 as before for the rest (high tier-3 thresholds). Not for
# every command: starting C2 and interpreting longer cost a short command 15-20 ms (docs/performance.md "JIT").
pk3s_jvm_flags_big=(-XX:TieredStopAtLevel=4 -XX:Tier3InvocationThreshold=2000 -XX:Tier3MinInvocationThreshold=1000 -XX:Tier3CompileThreshold=20000 -XX:Tier3BackEdgeThreshold=600000)
pk3s_big_package=8388608
# With a state key set, a command that restores or persists a runtime also gets the big-package flags, and the JDK's
# cipher classes are compiled early: AES-256-GCM runs at ~45 MB/s under C1 and at 1-4 GB/s through the JDK's
# intrinsic, which only C2-compiled callers reach (docs/performance.md "Encryption at rest"). quiet: prints nothing.
pk3s_jvm_flags_sealed=(-XX:CompileCommand=quiet -XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.*::*,0.05)
# Start-up archive (CDS) logging off: a mismatched archive is silently ignored, never printed on stdout.
pk3s_cds_quiet=(-Xlog:cds=off -Xlog:cds+dynamic=off)
# The same for an AOT cache (JDK 25): its tag sets are aot* and cds*; while one is recorded, the VM's own lines
# ("AOTConfiguration recorded: ...") are printed outside logging and need -DisplayVMOutput.
pk3s_aot_quiet=(-Xlog:aot*=off -Xlog:cds*=off)
pk3s_aot_record_quiet=(-Xlog:aot*=off -Xlog:cds*=off -XX:+UnlockDiagnosticVMOptions -XX:-DisplayVMOutput)
pk3s_min_java=17
# -----------------------------------------------------------------------------------------------------------------

# ---- State backend credentials (docs/state.md "Credentials") ---------------------------------------------------
# A process's initial environment stays readable in /proc/<pid>/environ by every process of the same user (a
# scenario's install script, too) for as long as it runs. So PGPASSWORD and a PK3S_STATE_BACKEND URL with a password
# leave the environment here, before anything is started, and reach the JVM on descriptor 3 instead (a here-string:
# a pipe, or a deleted temporary file), which it reads and empties before any child starts
# (io.productivek3s.infra.exec.CredentialHandover). Entries are NAME=<byte length>:<value>; no fork.
# A caller that itself took them out of its environment (the release installer, which stays the engine's parent)
# names its own descriptor in PK3S_INFRA_CREDENTIALS_FD: its entries come first, this environment's after them.
pk3s_credentials=""
case ${PK3S_INFRA_CREDENTIALS_FD:-} in
  '') ;;
  *[!0-9]*) pk3s_die "PK3S_INFRA_CREDENTIALS_FD must be a file descriptor number: $PK3S_INFRA_CREDENTIALS_FD" 2 ;;
  *)
    IFS= read -r -d '' pk3s_credentials 2>/dev/null <&"$PK3S_INFRA_CREDENTIALS_FD" || [ -n "$pk3s_credentials" ] \
      || pk3s_die "nothing to read on PK3S_INFRA_CREDENTIALS_FD=$PK3S_INFRA_CREDENTIALS_FD" 1
    eval "exec $PK3S_INFRA_CREDENTIALS_FD<&-"
    unset PK3S_INFRA_CREDENTIALS_FD
    ;;
esac
pk3s_hand_over() {  # NAME VALUE
  local LC_ALL=C   # ${#v} in bytes, as the engine counts them
  pk3s_credentials=$pk3s_credentials$1=${#2}:$2
}
if [ -n "${PGPASSWORD+set}" ]; then
  pk3s_hand_over PGPASSWORD "$PGPASSWORD"
  unset PGPASSWORD
fi
# The URL rule: the userinfo ends at the last '@'; a ':' in it starts the password. The environment keeps the URL
# without it (user@host...), which names the backend and nothing more.
case ${PK3S_STATE_BACKEND:-} in
  *://*@*)
    pk3s_userinfo=${PK3S_STATE_BACKEND#*://}
    pk3s_userinfo=${pk3s_userinfo%@*}
    case $pk3s_userinfo in
      *:*)
        pk3s_hand_over PK3S_STATE_BACKEND "$PK3S_STATE_BACKEND"
        PK3S_STATE_BACKEND=${PK3S_STATE_BACKEND%%://*}://${pk3s_userinfo%%:*}@${PK3S_STATE_BACKEND##*@}
        export PK3S_STATE_BACKEND
        ;;
    esac
    unset pk3s_userinfo
    ;;
esac

# Real location of this script, following symlinks; fork-free unless the launcher is reached through a symlink.
# The one symlink loop outside scripts/lib/pk3s-shell.sh: that file, which holds the shared helpers, is found through it.
pk3s_self=${BASH_SOURCE[0]}
case $pk3s_self in /*) ;; *) pk3s_self=$PWD/$pk3s_self ;; esac
while [ -L "$pk3s_self" ]; do
  pk3s_link=$(readlink "$pk3s_self")
  case $pk3s_link in /*) pk3s_self=$pk3s_link ;; *) pk3s_self=${pk3s_self%/*}/$pk3s_link ;; esac
done
pk3s_home=${pk3s_self%/*}
pk3s_home=${pk3s_home//\/.\//\/}
pk3s_home=${pk3s_home%/.}
pk3s_home=${pk3s_home%/scripts/..}   # reached through the scripts/ alias, which sources this file
pk3s_root=${PRODUCTIVE_K3S_INFRA_REPO_DIR:-$pk3s_home}
# shellcheck source=scripts/lib/pk3s-shell.sh
. "$pk3s_home/scripts/lib/pk3s-shell.sh" 2>/dev/null \
  || pk3s_die "engine installation incomplete: $pk3s_home/scripts/lib/pk3s-shell.sh not found" 1

# Normalized OS and CPU names, so a JDK release file (OS_NAME="Linux", OS_ARCH="x86_64"/"amd64") compares with the
# host. The host comes from bash's own OSTYPE/HOSTTYPE (what uname -s/-m report), which costs no fork.
pk3s_norm_os() {
  case $1 in [Ll]inux*) pk3s_norm=linux ;; [Dd]arwin*|[Mm]ac*) pk3s_norm=darwin ;; *) pk3s_norm=$1 ;; esac
}
pk3s_norm_arch() {
  case $1 in x86_64|amd64|x64) pk3s_norm=x86_64 ;; aarch64|arm64) pk3s_norm=aarch64 ;; *) pk3s_norm=$1 ;; esac
}

# Java version of a host binary: from its JDK release file when there is one (no JVM start), else from -version.
pk3s_host_java_version() {
  local bin=$1 line home
  pk3s_resolve "$bin"
  home=${pk3s_resolved%/bin/java}
  pk3s_rel_version=""
  if [ "$home" != "$pk3s_resolved" ] && [ -r "$home/release" ]; then
    pk3s_read_release "$home/release"
  fi
  if [ -z "$pk3s_rel_version" ]; then
    line=$("$bin" -version 2>&1) || return 1
    line=${line#*version \"}
    pk3s_rel_version=${line%%\"*}
    pk3s_major_of "$pk3s_rel_version"
  fi
  [ -n "$pk3s_major" ] && [ "$pk3s_major" -ge "$pk3s_min_java" ]
}

# 1. the bundled runtime, only when it was built for this OS and CPU; 2. JAVA_HOME; 3. java on PATH.
pk3s_java="" pk3s_java_version="" pk3s_java_major="" pk3s_bundled_java=false
if [ -x "$pk3s_home/runtime/bin/java" ] && [ -r "$pk3s_home/runtime/release" ]; then
  pk3s_read_release "$pk3s_home/runtime/release"
  pk3s_norm_os "$pk3s_rel_os"; pk3s_rt_os=$pk3s_norm
  pk3s_norm_arch "$pk3s_rel_arch"; pk3s_rt_arch=$pk3s_norm
  pk3s_norm_os "${OSTYPE:-}"; pk3s_host_os=$pk3s_norm
  pk3s_norm_arch "${HOSTTYPE:-}"; pk3s_host_arch=$pk3s_norm
  if [ "$pk3s_rt_os" = "$pk3s_host_os" ] && [ "$pk3s_rt_arch" = "$pk3s_host_arch" ]; then
    pk3s_java=$pk3s_home/runtime/bin/java
    pk3s_java_version=$pk3s_rel_version
    pk3s_java_major=$pk3s_major
    pk3s_bundled_java=true
  fi
fi
if [ -z "$pk3s_java" ] && [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] \
    && pk3s_host_java_version "$JAVA_HOME/bin/java"; then
  pk3s_java=$JAVA_HOME/bin/java
  pk3s_java_version=$pk3s_rel_version
fi
if [ -z "$pk3s_java" ]; then
  pk3s_ifs=$IFS; IFS=:
  for pk3s_dir in ${PATH:-}; do
    [ -n "$pk3s_dir" ] && [ -x "$pk3s_dir/java" ] && [ ! -d "$pk3s_dir/java" ] || continue
    if pk3s_host_java_version "$pk3s_dir/java"; then
      pk3s_java=$pk3s_dir/java
      pk3s_java_version=$pk3s_rel_version
    fi
    break   # like command -v: the first java on PATH is the one, usable or not
  done
  IFS=$pk3s_ifs
fi
[ -n "$pk3s_java" ] || pk3s_die "missing dependency: java" 5

# Explicit class path in a fixed (C-locale) order: a start-up archive only matches the class path it was made with.
pk3s_class_path() {
  local LC_ALL=C jar
  pk3s_cp=""
  for jar in "$1"/*.jar; do
    [ -f "$jar" ] && pk3s_cp=${pk3s_cp:+$pk3s_cp:}$jar
  done
}

pk3s_cds=()
pk3s_aot_record=""   # set when this run trains the AOT cache of its command family (see "AOT cache" below)
pk3s_cache_base
pk3s_startup=${pk3s_cache_base:+$pk3s_cache_base/pk3s/startup}
if [ -f "$pk3s_home/lib/productive-k3s-infra.jar" ]; then
  # ---- installed bundle: read-only ----
  pk3s_lib=$pk3s_home/lib
  pk3s_class_path "$pk3s_lib"
  pk3s_engine_id=""
  [ -f "$pk3s_lib/engine.id" ] && { read -r pk3s_engine_id < "$pk3s_lib/engine.id" || pk3s_engine_id=""; }
  case $pk3s_engine_id in *[!0-9a-f]*) pk3s_engine_id="" ;; esac
  pk3s_archive=$pk3s_home/runtime/lib/pk3s-engine.jsa
  # The bundled archive serves the bundled runtime while the jars keep the archive's time stamps (the JVM rejects
  # it otherwise; all bundle files share one fixed mtime, so neither is newer nor older when extraction kept them).
  if $pk3s_bundled_java && [ -f "$pk3s_archive" ] \
      && ! [ "$pk3s_lib/productive-k3s-infra.jar" -nt "$pk3s_archive" ] \
      && ! [ "$pk3s_lib/productive-k3s-infra.jar" -ot "$pk3s_archive" ]; then
    pk3s_cds=(-XX:SharedArchiveFile="$pk3s_archive" "${pk3s_cds_quiet[@]}")
    # ---- AOT cache (docs/performance.md "AOT cache"): JDK 25+, trained here, per command family ----
    # The first run of a family (the leading lower-case words: `version`, `profile validate`, ...) records what it
    # loads and links; the launcher then assembles an AOT cache from that into the user's cache directory, keyed by
    # engine id, runtime version and install location, and every later run of the family maps it instead of the
    # shipped archive (version ~40% less CPU). Written under a temporary name and renamed, so concurrent first runs
    # each publish a whole cache; only a run that exits 0 publishes one; anything unusable (no cache directory, a
    # foreign owner, a failed assembly) leaves the shipped archive in charge; the JVM checks the rest (jar sizes and
    # times, runtime) and maps nothing it rejects, without a word (-Xlog:aot*=off). PK3S_INFRA_AOT_CACHE=off: never.
    pk3s_family=""
    for pk3s_word in "${1:-}" "${2:-}"; do
      case $pk3s_word in ''|*[!a-z]*) break ;; esac
      pk3s_family=${pk3s_family:+$pk3s_family-}$pk3s_word
    done
    if [ -n "$pk3s_family" ] && [ -n "$pk3s_startup" ] && [ -n "$pk3s_engine_id" ] && [ "${pk3s_java_major:-0}" -ge 25 ] \
        && [ "${PK3S_INFRA_AOT_CACHE:-on}" != off ]; then
      pk3s_aot_dir=$pk3s_startup/aot-$pk3s_engine_id-java-$pk3s_java_version$pk3s_home
      pk3s_aot=$pk3s_aot_dir/$pk3s_family.aot
      if [ -f "$pk3s_aot" ] && [ -O "$pk3s_aot" ] && [ -O "$pk3s_aot_dir" ]; then
        pk3s_cds=(-XX:AOTCache="$pk3s_aot" "${pk3s_aot_quiet[@]}")
      elif [ ! -e "$pk3s_aot" ] && [ ! -e "$pk3s_aot.failed" ]; then
        pk3s_aot_record=$pk3s_aot
      fi
    fi
  elif [ -f "$pk3s_lib/engine.classlist" ] && [ -n "$pk3s_engine_id" ] && [ -n "$pk3s_startup" ]; then
    # Any other Java (or extraction that lost the time stamps): an archive made once from the bundle's class list,
    # in the user's cache, keyed by engine build and Java binary + version.
    pk3s_key=${pk3s_java//\//_}
    pk3s_archive=$pk3s_startup/engine-$pk3s_engine_id-java-$pk3s_java_version$pk3s_key.jsa
    if [ ! -f "$pk3s_archive" ] && [ ! -f "$pk3s_archive.failed" ]; then
      # one-time, about a second: a static archive from the class list (no engine command runs)
      if mkdir -p "$pk3s_startup" 2>/dev/null; then
        pk3s_tmp=$pk3s_archive.$$.tmp
        if "$pk3s_java" -Xshare:dump -XX:SharedClassListFile="$pk3s_lib/engine.classlist" \
            -XX:SharedArchiveFile="$pk3s_tmp" -cp "$pk3s_cp" </dev/null >/dev/null 2>&1 && [ -s "$pk3s_tmp" ]; then
          mv -f "$pk3s_tmp" "$pk3s_archive"
        else
          rm -f "$pk3s_tmp"
          : > "$pk3s_archive.failed" 2>/dev/null   # this Java cannot use the list: do not retry on every run
        fi
      fi
    fi
    [ -f "$pk3s_archive" ] && pk3s_cds=(-XX:SharedArchiveFile="$pk3s_archive" "${pk3s_cds_quiet[@]}")
  fi
elif [ -f "$pk3s_home/pom.xml" ]; then
  # ---- source checkout: build on first use / after changes; everything written stays under target/ ----
  pk3s_lib=$pk3s_home/target/lib
  pk3s_jar=$pk3s_lib/productive-k3s-infra.jar
  pk3s_stale() {
    [ -f "$pk3s_jar" ] || return 0
    [ -n "$(find "$pk3s_home/pom.xml" "$pk3s_home/src/main" -newer "$pk3s_jar" -print -quit 2>/dev/null)" ]
  }
  if pk3s_stale; then
    command -v mvn >/dev/null 2>&1 || pk3s_die "missing dependency: mvn (needed once to build the engine)" 5
    pk3s_lock=$pk3s_home/target/.build-lock
    mkdir -p "$pk3s_home/target"
    pk3s_waited=0
    until mkdir "$pk3s_lock" 2>/dev/null; do  # another launcher is building: wait for it, at most 10 minutes
      sleep 1; pk3s_waited=$((pk3s_waited + 1))
      [ "$pk3s_waited" -lt 600 ] || pk3s_die "engine build lock is stuck: $pk3s_lock (remove it and retry)" 1
    done
    trap 'rmdir "$pk3s_lock" 2>/dev/null' EXIT
    if pk3s_stale; then
      printf '[pk3s-infra] INFO  Building the engine with Maven (first use or sources changed)...\n' >&2
      pk3s_log=$pk3s_home/target/engine-build.log
      rm -rf "$pk3s_lib"  # no stale dependency jars on the class path after a dependency change
      if ! JAVA_HOME="${pk3s_java%/bin/java}" mvn -B -q -f "$pk3s_home/pom.xml" -DskipTests package >"$pk3s_log" 2>&1; then
        cat "$pk3s_log" >&2
        pk3s_die "engine build failed; see $pk3s_log" 1
      fi
    fi
    rmdir "$pk3s_lock" 2>/dev/null
    trap - EXIT
  fi
  pk3s_class_path "$pk3s_lib"
  # Dynamic archive for this JVM, retrained when the jar is rebuilt, on a representative run (archive reading,
  # YAML, JSON events).
  pk3s_key=${pk3s_java//\//_}
  pk3s_archive=$pk3s_home/target/engine-$pk3s_java_version$pk3s_key.jsa
  if [ ! -f "$pk3s_archive" ] || [ "$pk3s_jar" -nt "$pk3s_archive" ]; then
    pk3s_tmp=$pk3s_archive.$$.tmp
    "$pk3s_java" -XX:ArchiveClassesAtExit="$pk3s_tmp" "${pk3s_cds_quiet[@]}" "${pk3s_jvm_flags[@]}" \
      -cp "$pk3s_cp" -Dpk3s.install.root="$pk3s_home" io.productivek3s.infra.Main \
      --events ndjson profile validate --tgz "$pk3s_home/examples/local-demo.tgz" </dev/null >/dev/null 2>&1
    if [ -s "$pk3s_tmp" ]; then
      rm -f "$pk3s_home"/target/engine-*.jsa
      mv -f "$pk3s_tmp" "$pk3s_archive"
    else
      rm -f "$pk3s_tmp"
    fi
  fi
  [ -f "$pk3s_archive" ] && pk3s_cds=(-XX:SharedArchiveFile="$pk3s_archive" "${pk3s_cds_quiet[@]}")
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

# Progress bars are drawn only on a terminal; Java cannot tell whether stderr is one.
pk3s_tty=false
[ -t 2 ] && pk3s_tty=true

# JIT for a big local package (see the flags block): C2 when --tgz FILE or --tgz=FILE names a regular file of
# pk3s_big_package bytes or more that the run will really hash or inflate. The engine's package cache says which
# packages it needs not read again in one small documented file, <cache root>/launcher-hints (docs/performance.md
# "Launcher hints"): at most 64 lines `<dev>.<ino>.<size>.<mtime>.<ctime> <scan|tree>`, newest last, keyed by the
# package file's stat. `scan`: a validate of it reads only its cached scan; `tree`: its extracted tree is cached
# too, so an install/status neither inflates nor hashes it. Those runs keep C1 (~50-120 ms less; "JIT"). The
# launcher reads that file and nothing else of the cache; one fork of stat (else wc -c), only for a --tgz file.
pk3s_needs_c2() {  # file, is-validate
  local st size key hints hint="" line n=0
  if st=$(stat -L -c '%s %d.%i.%s.%Y.%Z' -- "$1" 2>/dev/null) && [[ $st =~ ^([0-9]+)\ ([0-9.]+)$ ]]; then
    size=${BASH_REMATCH[1]} key=${BASH_REMATCH[2]}
  else
    size=$(wc -c < "$1" 2>/dev/null) || size=0
    size=${size//[!0-9]/} key=""
  fi
  [ "${size:-0}" -ge "$pk3s_big_package" ] || return 1
  hints=${pk3s_cache_base:+$pk3s_cache_base/pk3s/launcher-hints}
  [ -n "$key" ] && [ -n "$hints" ] && [ -f "$hints" ] && [ "${PK3S_INFRA_PACKAGE_CACHE_BYTES:-}" != 0 ] || return 0
  while [ "$n" -lt 64 ] && IFS= read -r -n 200 line; do   # bounded: 64 lines of at most 200 bytes
    n=$((n + 1))
    case $line in "$key "*) hint=${line#"$key "} ;; esac   # newest last: the last line for the key counts
  done 2>/dev/null < "$hints"
  case $hint in
    tree) return 1 ;;
    scan) [ "$2" = true ] && return 1 ;;
  esac
  return 0
}
pk3s_prev="" pk3s_tgz=""
for pk3s_arg in "$@"; do   # the last --tgz wins, as in the engine's parser (cli/ArgumentParser)
  if [ "$pk3s_prev" = --tgz ]; then
    pk3s_tgz=$pk3s_arg pk3s_prev=""
    continue
  else
    case $pk3s_arg in --tgz=?*) pk3s_tgz=${pk3s_arg#--tgz=} ;; esac
  fi
  pk3s_prev=$pk3s_arg
done
pk3s_validate=false
case " ${1:-} ${2:-} " in *" validate "*) pk3s_validate=true ;; esac
[ -n "$pk3s_tgz" ] && [ -f "$pk3s_tgz" ] && pk3s_needs_c2 "$pk3s_tgz" "$pk3s_validate" \
  && pk3s_jvm_flags+=("${pk3s_jvm_flags_big[@]}")
# Encrypted state moves (see the flags block): only the commands that restore or persist a runtime, only with a
# state key in the environment (the engine reads the key variables from there only, docs/state.md "Keys"). Plain
# state and every other command (version, validate, state list, ...) keep C1.
if [ -n "${PK3S_STATE_ENCRYPTION_KEY_FILE:-}${PK3S_STATE_PASSPHRASE_FILE:-}${PK3S_STATE_ENCRYPTION_OLD_KEY_FILES:-}" ]; then
  case " ${1:-} ${2:-} " in
    " profile install "*|" profile apply "*|" profile plan "*|" profile status "*|" profile destroy "*|\
    " state pull "*|" state push "*|" state rollback "*|" state migrate "*|" state rekey "*|\
    " apply "*|" plan "*|" status "*|" destroy "*)
      pk3s_jvm_flags+=("${pk3s_jvm_flags_big[@]}" "${pk3s_jvm_flags_sealed[@]}") ;;
  esac
fi

pk3s_main=(-Dpk3s.install.root="$pk3s_root" -Dpk3s.stderr.tty="$pk3s_tty")
[ -z "$pk3s_credentials" ] || pk3s_main+=(-Dpk3s.credentials.fd=3)
pk3s_main+=(-cp "$pk3s_cp" io.productivek3s.infra.Main)

# The first run of a command family with an AOT cache to train: the engine runs as a child this once, so that the
# cache can be assembled and published when it ends (about a second; docs/performance.md "AOT cache"). Arguments,
# stdio and exit status are the engine's as always; a signal sent to the launcher's pid alone (not to its process
# group, as a terminal's Ctrl-C is) does not reach the engine during this one run.
pk3s_aot_dir=${pk3s_aot_record%/*}
if [ -n "$pk3s_aot_record" ] && mkdir -p -m 0700 "$pk3s_aot_dir" 2>/dev/null && [ -O "$pk3s_aot_dir" ]; then
  pk3s_tmp=$pk3s_aot_record.$$.tmp
  pk3s_record=(-XX:AOTMode=record -XX:AOTConfiguration="$pk3s_tmp.conf" "${pk3s_aot_record_quiet[@]}")
  if [ -z "$pk3s_credentials" ]; then
    "$pk3s_java" "${pk3s_jvm_flags[@]}" "${pk3s_record[@]}" "${pk3s_main[@]}" "$@"
  else
    "$pk3s_java" "${pk3s_jvm_flags[@]}" "${pk3s_record[@]}" "${pk3s_main[@]}" "$@" 3<<<"$pk3s_credentials"
  fi
  pk3s_status=$?
  if [ "$pk3s_status" -eq 0 ] && [ -s "$pk3s_tmp.conf" ]; then
    if "$pk3s_java" "${pk3s_jvm_flags[@]}" -XX:AOTMode=create -XX:AOTConfiguration="$pk3s_tmp.conf" \
        -XX:AOTCache="$pk3s_tmp" "${pk3s_aot_record_quiet[@]}" -cp "$pk3s_cp" </dev/null >/dev/null 2>&1 \
        && [ -s "$pk3s_tmp" ]; then
      mv -f "$pk3s_tmp" "$pk3s_aot_record" 2>/dev/null
    else
      : > "$pk3s_aot_record.failed" 2>/dev/null   # this runtime cannot assemble one: do not retry on every run
    fi
  fi
  rm -f "$pk3s_tmp" "$pk3s_tmp.conf"
  exit "$pk3s_status"
fi

# ${a[@]+"${a[@]}"}: an empty array under set -u on bash < 4.4
if [ -z "$pk3s_credentials" ]; then
  exec "$pk3s_java" "${pk3s_jvm_flags[@]}" ${pk3s_cds[@]+"${pk3s_cds[@]}"} "${pk3s_main[@]}" "$@"
fi
exec "$pk3s_java" "${pk3s_jvm_flags[@]}" ${pk3s_cds[@]+"${pk3s_cds[@]}"} "${pk3s_main[@]}" "$@" 3<<<"$pk3s_credentials"
