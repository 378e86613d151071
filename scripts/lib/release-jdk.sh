# Sourced by scripts/build-release-bundle.sh and scripts/release/train-pg-classlist.sh: which JDK builds a release
# (PK3S_RELEASE_JDK, else Temurin 25, else the newest under /usr/lib/jvm, else JAVA_HOME / java on PATH). The runtime
# a release ships is only as new as the JDK that links it, and its start-up archive is trained with that JDK.
# Needs scripts/lib/pk3s-shell.sh sourced first (pk3s_read_release).
jdk_major() { # <java home> -> major version from its release file, 0 when unreadable
  pk3s_major=""
  [ -r "$1/release" ] && pk3s_read_release "$1/release"
  echo "${pk3s_major:-0}"
}
pick_jdk() {
  local best="" best_major=0 home major
  if [ -n "${PK3S_RELEASE_JDK:-}" ]; then echo "$PK3S_RELEASE_JDK"; return; fi
  for home in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*/ "${JAVA_HOME:-}" \
      "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    home=${home%/}
    [ -n "$home" ] && [ -x "$home/bin/jlink" ] && [ -x "$home/bin/javac" ] || continue
    major=$(jdk_major "$home")
    if [ "$major" -gt "$best_major" ]; then best=$home; best_major=$major; fi
  done
  echo "$best"
}
