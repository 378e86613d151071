# shellcheck shell=sh
# The launcher's flags and decisions, written once (docs/contract/invocation.md "Launcher"): sourced by the entrypoint
# productive-k3s-infra.sh (/bin/sh: an installed bundle's common path) and by scripts/lib/pk3s-launcher.bash (every
# other path). POSIX sh plus `local`, and bash 3.2: no arrays, so a flag set is a string of words without blanks,
# quotes or anything a shell expands except `*`, expanded unquoted with globbing off (`set -f`). Builtins only,
# results in variables: nothing here forks except pk3s_file_stat.

# ---- JVM flags: the one place they are set (docs/performance.md says why each one is here) --------------------
# SerialGC: one core-friendly collector with the cheapest start-up. TieredStopAtLevel=1: C1 only, short runs.
# -Xmx384m: bounded memory. -Xmn8m: a young generation sized for our live set, not a third of the machine's RAM,
# so peak RSS stays under 128 MB for any package (100,000 files: 165 MB -> 79 MB; docs/performance.md).
# -UsePerfData: no hsperfdata file in /tmp and no mmap at start-up (jps/jcmd cannot list the engine).
# (One line: scripts/build-release-bundle.sh trains the start-up archive with exactly these flags.)
pk3s_jvm_flags='-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx384m -Xmn8m -XX:-UsePerfData'
# A local --tgz of pk3s_big_package bytes or more adds these: C2 for the hot loops (SHA-256 and inflating a 217 MB
# package: 2.45 s of CPU at C1 only, 0.97 s with C2), C1 as before for the rest (high tier-3 thresholds). Not for
# every command: starting C2 and interpreting longer cost a short command 15-20 ms (docs/performance.md "JIT").
# Its thresholds are absolute: CompileThresholdScaling=1 undoes the small-package scaling below.
pk3s_jvm_flags_big='-XX:CompileThresholdScaling=1 -XX:TieredStopAtLevel=4 -XX:Tier3InvocationThreshold=2000 -XX:Tier3MinInvocationThreshold=1000 -XX:Tier3CompileThreshold=20000 -XX:Tier3BackEdgeThreshold=600000'
pk3s_big_package=8388608
# A local --tgz under pk3s_small_package bytes adds these: its run is short, and C1 compiling code that runs a few
# hundred times costs more CPU than it saves. Compiling later (thresholds x10; x3 in Round 7) measured 5-10 % less
# CPU for the example's validate and install, but more for a 6 MB package's validate, hence the bound
# (docs/performance.md "Round 7", "Round 8"). Commands without a --tgz keep the JVM's thresholds.
pk3s_jvm_flags_small='-XX:CompileThresholdScaling=10'
pk3s_small_package=1048576
# `version` and `help` print what the engine already holds: nothing in them runs often enough for a C1 compile to pay
# for itself, so they run interpreted (with the same AOT cache, which -Xint maps whole: docs/performance.md
# "Round 8").
pk3s_jvm_flags_print='-Xint'
# With a state key set, a command that restores or persists a runtime (pk3s_sealed_run) gets C2, and the JDK's cipher
# classes are compiled early: AES-256-GCM runs at ~45 MB/s under C1 and at 1-4 GB/s through the JDK's intrinsic, which
# only C2-compiled callers reach (docs/performance.md "Encryption at rest"). quiet: prints nothing.
pk3s_jvm_flags_sealed='-XX:CompileCommand=quiet -XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.*::*,0.05'
# C2 for the JDK's crypto and digest classes only, everything else C1 at the JVM's own thresholds: C2 compiling the
# per-file code of a move of 10,000 small files costs more than it saves (docs/performance.md "Encryption at rest",
# "C2 for the crypto classes only"). The compiler directives are pk3s_sealed_directives, in the file
# pk3s_sealed_directives_file beside this one; the JVM refuses to start with a missing or malformed one, so it is used
# only when it holds exactly that line (pk3s_sealed_jit). -DisplayVMOutput: the JVM prints "2 compiler directives
# added" on stdout otherwise (it also drops a `kill -3` thread dump of such a run; `jcmd PID Thread.print` works).
pk3s_jvm_flags_sealed_c2='-XX:CompileThresholdScaling=1 -XX:TieredStopAtLevel=4 -XX:+UnlockDiagnosticVMOptions -XX:-DisplayVMOutput'
pk3s_sealed_directives='[{match: ["com/sun/crypto/provider/*.*", "sun/security/provider/*.*"], c2: {Exclude: false}}, {match: ["*.*"], c2: {Exclude: true}}]'
pk3s_sealed_directives_file=pk3s-sealed-jit.json
# Start-up archive (CDS) logging off: a mismatched archive is silently ignored, never printed on stdout.
pk3s_cds_quiet='-Xlog:cds=off -Xlog:cds+dynamic=off'
# The same for an AOT cache (JDK 25): its tag sets are aot* and cds*; while one is recorded, the VM's own lines
# ("AOTConfiguration recorded: ...") are printed outside logging and need -DisplayVMOutput.
pk3s_aot_quiet='-Xlog:aot*=off -Xlog:cds*=off'
pk3s_aot_record_quiet='-Xlog:aot*=off -Xlog:cds*=off -XX:+UnlockDiagnosticVMOptions -XX:-DisplayVMOutput'
pk3s_min_java=17
# -----------------------------------------------------------------------------------------------------------------

# pk3s_backend_password: 0 when PK3S_STATE_BACKEND carries a password (docs/state.md "Credentials"), with the URL
# without it in pk3s_backend_public. The userinfo ends at the last '@'; a ':' in it starts the password.
pk3s_backend_password() {
  case ${PK3S_STATE_BACKEND:-} in *://*@*) ;; *) return 1 ;; esac
  pk3s_userinfo=${PK3S_STATE_BACKEND#*://}
  pk3s_userinfo=${pk3s_userinfo%@*}
  case $pk3s_userinfo in *:*) ;; *) return 1 ;; esac
  pk3s_backend_public=${PK3S_STATE_BACKEND%%://*}://${pk3s_userinfo%%:*}@${PK3S_STATE_BACKEND##*@}
}

# Normalized OS and CPU names in pk3s_norm, so a JDK release file (OS_NAME="Linux", OS_ARCH="x86_64"/"amd64")
# compares with the host (uname -s / -m, bash's OSTYPE/HOSTTYPE, Linux's /proc/sys/kernel/ostype and arch).
pk3s_norm_os() {
  case $1 in [Ll]inux*) pk3s_norm=linux ;; [Dd]arwin*|[Mm]ac*) pk3s_norm=darwin ;; *) pk3s_norm=$1 ;; esac
}
pk3s_norm_arch() {
  case $1 in x86_64|amd64|x64) pk3s_norm=x86_64 ;; aarch64|arm64) pk3s_norm=aarch64 ;; *) pk3s_norm=$1 ;; esac
}

# pk3s_bundled_runtime HOST_OS HOST_ARCH: 0 when <home>/runtime was built for this OS and CPU, with pk3s_java,
# pk3s_java_version and pk3s_java_major set from its release file.
pk3s_bundled_runtime() {
  [ -x "$pk3s_home/runtime/bin/java" ] && [ -r "$pk3s_home/runtime/release" ] || return 1
  pk3s_read_release "$pk3s_home/runtime/release"
  pk3s_norm_os "$pk3s_rel_os"; pk3s_rt_os=$pk3s_norm
  pk3s_norm_arch "$pk3s_rel_arch"; pk3s_rt_arch=$pk3s_norm
  pk3s_norm_os "$1"; [ "$pk3s_rt_os" = "$pk3s_norm" ] || return 1
  pk3s_norm_arch "$2"; [ "$pk3s_rt_arch" = "$pk3s_norm" ] || return 1
  pk3s_java=$pk3s_home/runtime/bin/java pk3s_java_version=$pk3s_rel_version pk3s_java_major=$pk3s_major
}

# pk3s_class_path DIR: its jars in pk3s_cp, in a fixed (C-locale) order: a start-up archive only matches the class
# path it was made with.
pk3s_class_path() {
  local LC_ALL=C jar
  pk3s_cp=""
  for jar in "$1"/*.jar; do
    [ -f "$jar" ] && pk3s_cp=${pk3s_cp:+$pk3s_cp:}$jar
  done
}

# pk3s_bundle_startup WORD1 WORD2: the start-up data of an installed bundle (<home>/lib, pk3s_lib) on its bundled
# runtime, when the bundle's shipped archive serves it (else 1): pk3s_cds_opt (one word) and pk3s_cds_log (flags),
# and pk3s_aot_record, the AOT cache this run is to train (docs/performance.md "AOT cache"), or empty.
pk3s_bundle_startup() {
  pk3s_archive=$pk3s_home/runtime/lib/pk3s-engine.jsa pk3s_aot_record=""
  # The bundled archive serves the bundled runtime while the jars keep the archive's time stamps (the JVM rejects
  # it otherwise; all bundle files share one fixed mtime, so neither is newer nor older when extraction kept them).
  [ -f "$pk3s_archive" ] && ! [ "$pk3s_lib/productive-k3s-infra.jar" -nt "$pk3s_archive" ] \
    && ! [ "$pk3s_lib/productive-k3s-infra.jar" -ot "$pk3s_archive" ] || return 1
  pk3s_cds_opt=-XX:SharedArchiveFile=$pk3s_archive pk3s_cds_log=$pk3s_cds_quiet
  # ---- AOT cache: JDK 25+, trained here, per command family ----
  # The first run of a family (the leading lower-case words: `version`, `profile validate`, ...) records what it
  # loads and links; the launcher then assembles an AOT cache from that into the user's cache directory, keyed by
  # engine id, runtime version and install location, and every later run of the family maps it instead of the
  # shipped archive (version ~40% less CPU). Written under a temporary name and renamed, so concurrent first runs
  # each publish a whole cache; only a run that exits 0 publishes one; anything unusable (no cache directory, a
  # foreign owner, a failed assembly) leaves the shipped archive in charge; the JVM checks the rest (jar sizes and
  # times, runtime) and maps nothing it rejects, without a word (-Xlog:aot*=off). PK3S_INFRA_AOT_CACHE=off: never.
  pk3s_family=""
  for pk3s_word in "$1" "$2"; do
    case $pk3s_word in ''|*[!a-z]*) break ;; esac
    pk3s_family=${pk3s_family:+$pk3s_family-}$pk3s_word
  done
  pk3s_engine_id=""
  [ -f "$pk3s_lib/engine.id" ] && { read -r pk3s_engine_id < "$pk3s_lib/engine.id" || pk3s_engine_id=""; }
  case $pk3s_engine_id in *[!0-9a-f]*) pk3s_engine_id="" ;; esac
  pk3s_cache_base
  if [ -n "$pk3s_family" ] && [ -n "$pk3s_cache_base" ] && [ -n "$pk3s_engine_id" ] \
      && [ "${pk3s_java_major:-0}" -ge 25 ] && [ "${PK3S_INFRA_AOT_CACHE:-on}" != off ]; then
    pk3s_aot_dir=$pk3s_cache_base/pk3s/startup/aot-$pk3s_engine_id-java-$pk3s_java_version$pk3s_home
    pk3s_aot=$pk3s_aot_dir/$pk3s_family.aot
    if [ -f "$pk3s_aot" ] && [ -O "$pk3s_aot" ] && [ -O "$pk3s_aot_dir" ]; then
      pk3s_cds_opt=-XX:AOTCache=$pk3s_aot pk3s_cds_log=$pk3s_aot_quiet
    elif [ ! -e "$pk3s_aot" ] && [ ! -e "$pk3s_aot.failed" ]; then
      pk3s_aot_record=$pk3s_aot
    fi
  fi
}

# pk3s_last_tgz ARGS...: the file of the last --tgz FILE or --tgz=FILE in pk3s_tgz (empty: none), as the engine's
# parser reads it (cli/ArgumentParser: the last one wins).
pk3s_last_tgz() {
  pk3s_tgz="" pk3s_prev=""
  for pk3s_arg in "$@"; do
    if [ "$pk3s_prev" = --tgz ]; then
      pk3s_tgz=$pk3s_arg pk3s_prev=""
      continue
    fi
    case $pk3s_arg in --tgz=?*) pk3s_tgz=${pk3s_arg#--tgz=} ;; esac
    pk3s_prev=$pk3s_arg
  done
}

# pk3s_file_stat FILE: its size in pk3s_size and its launcher-hints key `<dev>.<ino>.<size>.<mtime>.<ctime>` in
# pk3s_key (docs/performance.md "Launcher hints"); one fork of GNU stat; 1 when that does not answer (BSD stat).
pk3s_file_stat() {
  pk3s_st=$(stat -L -c '%s %d.%i.%s.%Y.%Z' -- "$1" 2>/dev/null) || return 1
  pk3s_size=${pk3s_st%% *} pk3s_key=${pk3s_st#* }
  case $pk3s_size in ''|*[!0-9]*) return 1 ;; esac
  case $pk3s_key in ''|*[!0-9.]*) return 1 ;; esac
}

# pk3s_small_jit SIZE: the flags for a --tgz of SIZE bytes (below pk3s_big_package) in pk3s_jit_flags.
pk3s_small_jit() {
  pk3s_jit_flags=""
  [ "$1" -lt "$pk3s_small_package" ] && pk3s_jit_flags=$pk3s_jvm_flags_small
  return 0
}

# pk3s_print_jit WORD1: pk3s_jvm_flags_print in pk3s_jit_flags for `version` and `help` (-h, --help), when no
# --tgz chose other flags.
pk3s_print_jit() {
  [ -z "$pk3s_jit_flags" ] || return 0
  case $1 in version|help|-h|--help) pk3s_jit_flags=$pk3s_jvm_flags_print ;; esac
  return 0
}

# pk3s_sealed_run WORD1 WORD2: 0 for an encrypted state move, which gets the big-package and sealed flags: only the
# commands that restore or persist a runtime, only with a state key in the environment (the engine reads the key
# variables from there only, docs/state.md "Keys"). Plain state and every other command keep C1.
pk3s_sealed_run() {
  [ -n "${PK3S_STATE_ENCRYPTION_KEY_FILE:-}${PK3S_STATE_PASSPHRASE_FILE:-}${PK3S_STATE_ENCRYPTION_OLD_KEY_FILES:-}" ] \
    || return 1
  case " $1 $2 " in
    " profile install "*|" profile apply "*|" profile plan "*|" profile status "*|" profile destroy "*|\
    " state pull "*|" state push "*|" state rollback "*|" state migrate "*|" state rekey "*|\
    " apply "*|" plan "*|" status "*|" destroy "*) return 0 ;;
  esac
  return 1
}

# pk3s_sealed_jit JIT_FLAGS [small]: what an encrypted state move (pk3s_sealed_run) adds to a run chosen JIT_FLAGS for, in
# pk3s_sealed_flags (flag words) and pk3s_sealed_opt (the directives file option: one word, blanks allowed, or empty).
# C2 for the JDK's crypto and digest classes only, through the shipped directives file when it holds exactly
# pk3s_sealed_directives; else (the file missing, unreadable or changed) and for a big package, which needs C2 for its
# own hot loops, C2 everywhere with the big-package thresholds, as before the file shipped. One read, no fork.
# With `small` (a move the launcher hints say is small, pk3s-launcher.bash pk3s_small_sealed_move): C1 only,
# the JDK's cipher classes compiled early; C2 would cost it more than it saves (docs/performance.md "Small encrypted
# pulls on C1").
pk3s_sealed_jit() {
  local file=$pk3s_home/scripts/lib/$pk3s_sealed_directives_file line=""
  if [ "${2:-}" = small ]; then
    # C1 at the JVM's own thresholds: a small package's later compiles (pk3s_jvm_flags_small) would leave the
    # per-object code of 10,000 objects interpreted longer
    pk3s_sealed_flags="-XX:CompileThresholdScaling=1 $pk3s_jvm_flags_sealed" pk3s_sealed_opt=""
    return 0
  fi
  pk3s_sealed_flags="$pk3s_jvm_flags_big $pk3s_jvm_flags_sealed" pk3s_sealed_opt=""
  [ "$1" != "$pk3s_jvm_flags_big" ] && [ -f "$file" ] && [ -r "$file" ] || return 0
  { IFS= read -r line || [ -n "$line" ]; } 2>/dev/null < "$file" || return 0
  [ "$line" = "$pk3s_sealed_directives" ] || return 0
  pk3s_sealed_flags="$pk3s_jvm_flags_sealed_c2 $pk3s_jvm_flags_sealed" pk3s_sealed_opt=-XX:CompilerDirectivesFile=$file
}

# pk3s_caller_locale: the JVM can name files only in its locale's charset (sun.jnu.encoding, fixed at start-up):
# under LANG=C it cannot even create a valid UTF-8 package member name. Run it with a UTF-8 LC_CTYPE and hand the
# caller's locale over in PK3S_INFRA_CALLER_LC_ALL / _LC_CTYPE ("unset" or "set:<value>"), which the engine
# restores for every child (io.productivek3s.infra.exec.CallerLocale).
pk3s_caller_locale() {
  case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
    *.UTF-8 | *.utf8 | *.UTF8 | *.utf-8) ;;
    *)
      export PK3S_INFRA_CALLER_LC_ALL="${LC_ALL+set:$LC_ALL}" PK3S_INFRA_CALLER_LC_CTYPE="${LC_CTYPE+set:$LC_CTYPE}"
      : "${PK3S_INFRA_CALLER_LC_ALL:=unset}" "${PK3S_INFRA_CALLER_LC_CTYPE:=unset}"
      unset LC_ALL
      export LC_CTYPE=C.UTF-8
      ;;
  esac
}
