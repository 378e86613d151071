# shellcheck shell=bash
# The launcher's bash part (docs/contract/invocation.md "Launcher"): productive-k3s-infra.sh, a POSIX sh front, runs
# an installed bundle's common path itself and execs `bash <this file> ARGS...` for everything else: a source
# checkout, another Java, the one-time AOT training run of a command family, the state backend's credential
# hand-over, the JIT choice for a big --tgz. Not an entrypoint of its own. It decides everything again from the
# environment and arguments as they reached the front; flags and shared decisions are scripts/lib/pk3s-launch.sh.
#
# Two layouts:
#  - installed bundle (release or export, has lib/): READ-ONLY. Never calls Maven, never writes into its own
#    directory. A start-up archive made at run time (only when the bundled one cannot serve this Java) goes to the
#    user's cache directory.
#  - source checkout (has pom.xml): builds target/lib with Maven on first use or after a source change, and keeps
#    its start-up archive under target/ (a developer convenience).
# Kept compatible with bash 3.2 (macOS /bin/bash): no ${x,,}, no associative arrays, no mapfile.
set -u

pk3s_die() { printf '[pk3s-infra] ERROR %s\n' "$1" >&2; exit "${2:-1}"; }

# This file is <home>/scripts/lib/pk3s-launcher.bash, named by the front with its symlinks already resolved.
pk3s_home=${BASH_SOURCE[0]%/scripts/lib/*}
pk3s_root=${PRODUCTIVE_K3S_INFRA_REPO_DIR:-$pk3s_home}
# shellcheck source=scripts/lib/pk3s-shell.sh
. "$pk3s_home/scripts/lib/pk3s-shell.sh"
# shellcheck source=scripts/lib/pk3s-launch.sh
. "$pk3s_home/scripts/lib/pk3s-launch.sh"

# pk3s_words NAME WORDS: array NAME of the blank-separated WORDS (a flag string of pk3s-launch.sh), never globbed.
pk3s_words() { set -f; eval "$1=(\$2)"; set +f; }

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
# The environment keeps the URL without its password (user@host...), which names the backend and nothing more.
if pk3s_backend_password; then
  pk3s_hand_over PK3S_STATE_BACKEND "$PK3S_STATE_BACKEND"
  export PK3S_STATE_BACKEND="$pk3s_backend_public"
fi

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

# 1. the bundled runtime, only when it was built for this OS and CPU (the host's from bash's own OSTYPE/HOSTTYPE,
# what uname -s/-m report, no fork); 2. JAVA_HOME; 3. java on PATH.
pk3s_java="" pk3s_java_version="" pk3s_java_major="" pk3s_bundled_java=false
pk3s_bundled_runtime "${OSTYPE:-}" "${HOSTTYPE:-}" && pk3s_bundled_java=true
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

pk3s_words pk3s_cds_quiet_a "$pk3s_cds_quiet"
pk3s_cds=()
pk3s_aot_record=""   # set when this run trains the AOT cache of its command family (pk3s-launch.sh)
pk3s_cache_base
pk3s_startup=${pk3s_cache_base:+$pk3s_cache_base/pk3s/startup}
if [ -f "$pk3s_home/lib/productive-k3s-infra.jar" ]; then
  # ---- installed bundle: read-only ----
  pk3s_lib=$pk3s_home/lib
  pk3s_class_path "$pk3s_lib"
  if $pk3s_bundled_java && pk3s_bundle_startup "${1:-}" "${2:-}"; then
    pk3s_words pk3s_cds "$pk3s_cds_log"
    pk3s_cds=("$pk3s_cds_opt" "${pk3s_cds[@]}")
  elif [ -f "$pk3s_lib/engine.classlist" ] && [ -n "$pk3s_startup" ]; then
    # Any other Java (or extraction that lost the time stamps): an archive made once from the bundle's class list,
    # in the user's cache, keyed by engine build and Java binary + version.
    pk3s_engine_id=""
    [ -f "$pk3s_lib/engine.id" ] && { read -r pk3s_engine_id < "$pk3s_lib/engine.id" || pk3s_engine_id=""; }
    case $pk3s_engine_id in *[!0-9a-f]*) pk3s_engine_id="" ;; esac
    if [ -n "$pk3s_engine_id" ]; then
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
      [ -f "$pk3s_archive" ] && pk3s_cds=(-XX:SharedArchiveFile="$pk3s_archive" "${pk3s_cds_quiet_a[@]}")
    fi
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
    pk3s_gone() {  # pid: the process is not running (by /proc where there is one; kill -0 answers EPERM for others')
      if [ -d /proc/self ]; then [ ! -d "/proc/$1" ]; else ! kill -0 "$1" 2>/dev/null; fi
    }
    pk3s_waited=0
    # Another launcher is building: wait for it, at most 10 minutes. The lock names its builder (pid); a lock whose
    # builder is gone (killed, machine rebooted) is taken over at once instead of waited out.
    until mkdir "$pk3s_lock" 2>/dev/null; do
      pk3s_owner=""
      [ -f "$pk3s_lock/pid" ] && { read -r pk3s_owner < "$pk3s_lock/pid" || pk3s_owner=""; }
      case $pk3s_owner in
        "" | *[!0-9]*) ;;
        *) if pk3s_gone "$pk3s_owner"; then
             printf '[pk3s-infra] INFO  Taking over the engine build lock of a build that is gone (pid %s)\n' "$pk3s_owner" >&2
             # one launcher wins the rename; the others see the lock gone or taken again
             mv "$pk3s_lock" "$pk3s_lock.gone.$$" 2>/dev/null && rm -rf "$pk3s_lock.gone.$$"
             continue
           fi ;;
      esac
      [ "$pk3s_waited" -eq 0 ] && printf '[pk3s-infra] INFO  Waiting for another launcher to build the engine (%s)\n' \
        "$pk3s_lock" >&2
      sleep 1; pk3s_waited=$((pk3s_waited + 1))
      [ "$pk3s_waited" -lt 600 ] || pk3s_die "engine build lock is stuck: $pk3s_lock (remove it and retry)" 1
    done
    printf '%s\n' "$$" > "$pk3s_lock/pid"
    trap 'rm -rf "$pk3s_lock" 2>/dev/null' EXIT
    if pk3s_stale; then
      printf '[pk3s-infra] INFO  Building the engine with Maven (first use or sources changed)...\n' >&2
      pk3s_log=$pk3s_home/target/engine-build.log
      rm -rf "$pk3s_lib"  # no stale dependency jars on the class path after a dependency change
      if ! JAVA_HOME="${pk3s_java%/bin/java}" mvn -B -q -f "$pk3s_home/pom.xml" -DskipTests package >"$pk3s_log" 2>&1; then
        cat "$pk3s_log" >&2
        pk3s_die "engine build failed; see $pk3s_log" 1
      fi
    fi
    rm -rf "$pk3s_lock" 2>/dev/null
    trap - EXIT
  fi
  pk3s_class_path "$pk3s_lib"
  # Dynamic archive for this JVM, retrained when the jar is rebuilt, on a representative run (archive reading,
  # YAML, JSON events).
  pk3s_key=${pk3s_java//\//_}
  pk3s_archive=$pk3s_home/target/engine-$pk3s_java_version$pk3s_key.jsa
  if [ ! -f "$pk3s_archive" ] || [ "$pk3s_jar" -nt "$pk3s_archive" ]; then
    pk3s_tmp=$pk3s_archive.$$.tmp
    pk3s_words pk3s_train "$pk3s_jvm_flags"
    "$pk3s_java" -XX:ArchiveClassesAtExit="$pk3s_tmp" "${pk3s_cds_quiet_a[@]}" "${pk3s_train[@]}" \
      -cp "$pk3s_cp" -Dpk3s.install.root="$pk3s_home" io.productivek3s.infra.Main \
      --events ndjson profile validate --tgz "$pk3s_home/examples/local-demo.tgz" </dev/null >/dev/null 2>&1
    if [ -s "$pk3s_tmp" ]; then
      rm -f "$pk3s_home"/target/engine-*.jsa
      mv -f "$pk3s_tmp" "$pk3s_archive"
    else
      rm -f "$pk3s_tmp"
    fi
  fi
  [ -f "$pk3s_archive" ] && pk3s_cds=(-XX:SharedArchiveFile="$pk3s_archive" "${pk3s_cds_quiet_a[@]}")
else
  pk3s_die "engine not found under $pk3s_home (expected lib/ or a source checkout with pom.xml)" 1
fi

pk3s_caller_locale

# Progress bars are drawn only on a terminal; Java cannot tell whether stderr is one.
pk3s_tty=false
[ -t 2 ] && pk3s_tty=true

# JIT for a big local package (pk3s-launch.sh's flags): C2 when --tgz FILE or --tgz=FILE names a regular file of
# pk3s_big_package bytes or more that the run will really hash or inflate. The engine's package cache says which
# packages it needs not read again in one small documented file, <cache root>/launcher-hints (docs/performance.md
# "Launcher hints"): at most 64 lines `<dev>.<ino>.<size>.<mtime>.<ctime> <scan|tree>`, newest last, keyed by the
# package file's stat. `scan`: a validate of it reads only its cached scan; `tree`: its extracted tree is cached
# too, so an install/status neither inflates nor hashes it. Those runs keep C1 (~50-120 ms less; "JIT"). The
# launcher reads that file and nothing else of the cache; one fork of stat (else wc -c), only for a --tgz file.
pk3s_needs_c2() {  # stat key of the big file (empty: unknown), is-validate
  [ "${PK3S_INFRA_PACKAGE_CACHE_BYTES:-}" != 0 ] || return 0
  pk3s_hint "$1"
  case $pk3s_hint in
    tree) return 1 ;;
    scan) [ "$2" = true ] && return 1 ;;
  esac
  return 0
}
# pk3s_hint KEY: the word <cache root>/launcher-hints gives KEY (its last line for KEY), in pk3s_hint; empty when
# none. Read with the builtin, bounded (64 lines of at most 200 bytes), a regular file only, never through a link.
pk3s_hint() {
  local hints line n=0
  pk3s_hint=""
  hints=${pk3s_cache_base:+$pk3s_cache_base/pk3s/launcher-hints}
  [ -n "$1" ] && [ -n "$hints" ] && [ -f "$hints" ] && [ ! -L "$hints" ] || return 0
  while [ "$n" -lt 64 ] && IFS= read -r -n 200 line; do
    n=$((n + 1))
    case $line in "$1 "*) pk3s_hint=${line#"$1 "} ;; esac   # newest last: the last line for the key counts
  done 2>/dev/null < "$hints"
}
# JIT for an encrypted state move of a small state: 0 when the launcher hints say `state:NAME small` (the engine
# notes that when a run with a state key set persisted or pulled NAME's newest revision and it held under 16 MiB:
# cache/LauncherHints) and the run is one that moves about that much: `state pull NAME ...` of the newest revision (no
# --revision anywhere), or `profile status|destroy` (and their aliases) of `--name NAME` (the last --name counts), which
# add no infrastructure. C1 then does the cipher work for less CPU than C2 would cost (docs/performance.md "Small
# encrypted pulls on C1"). Install, apply and plan may download a provider binary and keep C2; so do the name after
# a flag, no --name, an older revision, no hint and `big`.
pk3s_small_sealed_move() {
  local arg name="" value=false
  case "${1:-} ${2:-}" in
    "state pull")
      name=${3:-}
      for arg in "$@"; do
        case $arg in --revision | --revision=*) return 1 ;; esac
      done
      ;;
    "profile status" | "profile destroy" | "status "* | "destroy "*)
      for arg in "$@"; do
        if [ "$value" = true ]; then
          name=$arg value=false
          continue
        fi
        case $arg in
          --name) value=true ;;
          --name=*) name=${arg#--name=} ;;
        esac
      done
      ;;
    *) return 1 ;;
  esac
  case $name in '' | -* | *[!A-Za-z0-9._-]*) return 1 ;; esac
  pk3s_hint "state:$name"
  [ "$pk3s_hint" = small ]
}
pk3s_last_tgz "$@"
pk3s_validate=false
case " ${1:-} ${2:-} " in *" validate "*) pk3s_validate=true ;; esac
pk3s_jit_flags=""   # a small package's (pk3s-launch.sh) or a big one's
if [ -n "$pk3s_tgz" ] && [ -f "$pk3s_tgz" ]; then
  if ! pk3s_file_stat "$pk3s_tgz"; then
    pk3s_size=$(wc -c < "$pk3s_tgz" 2>/dev/null) || pk3s_size=0
    pk3s_size=${pk3s_size//[!0-9]/} pk3s_key=""
  fi
  if [ "${pk3s_size:-0}" -lt "$pk3s_big_package" ]; then
    pk3s_small_jit "${pk3s_size:-0}"
  elif pk3s_needs_c2 "$pk3s_key" "$pk3s_validate"; then
    pk3s_jit_flags=$pk3s_jvm_flags_big
  fi
fi
pk3s_print_jit "${1:-}"
pk3s_words pk3s_jvm "$pk3s_jvm_flags $pk3s_jit_flags"
if pk3s_sealed_run "${1:-}" "${2:-}"; then
  pk3s_move_size=""
  pk3s_small_sealed_move "$@" && pk3s_move_size=small
  pk3s_sealed_jit "$pk3s_jit_flags" $pk3s_move_size
  pk3s_words pk3s_sealed "$pk3s_sealed_flags"
  pk3s_jvm+=("${pk3s_sealed[@]}")
  [ -z "$pk3s_sealed_opt" ] || pk3s_jvm+=("$pk3s_sealed_opt")
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
  pk3s_words pk3s_record_quiet "$pk3s_aot_record_quiet"
  pk3s_record=(-XX:AOTMode=record -XX:AOTConfiguration="$pk3s_tmp.conf" "${pk3s_record_quiet[@]}")
  if [ -z "$pk3s_credentials" ]; then
    "$pk3s_java" "${pk3s_jvm[@]}" "${pk3s_record[@]}" "${pk3s_main[@]}" "$@"
  else
    "$pk3s_java" "${pk3s_jvm[@]}" "${pk3s_record[@]}" "${pk3s_main[@]}" "$@" 3<<<"$pk3s_credentials"
  fi
  pk3s_status=$?
  if [ "$pk3s_status" -eq 0 ] && [ -s "$pk3s_tmp.conf" ]; then
    if "$pk3s_java" "${pk3s_jvm[@]}" -XX:AOTMode=create -XX:AOTConfiguration="$pk3s_tmp.conf" \
        -XX:AOTCache="$pk3s_tmp" "${pk3s_record_quiet[@]}" -cp "$pk3s_cp" </dev/null >/dev/null 2>&1 \
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
  exec "$pk3s_java" "${pk3s_jvm[@]}" ${pk3s_cds[@]+"${pk3s_cds[@]}"} "${pk3s_main[@]}" "$@"
fi
exec "$pk3s_java" "${pk3s_jvm[@]}" ${pk3s_cds[@]+"${pk3s_cds[@]}"} "${pk3s_main[@]}" "$@" 3<<<"$pk3s_credentials"
