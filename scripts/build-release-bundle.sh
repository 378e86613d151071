#!/usr/bin/env bash
# Builds the three release assets of one git ref (docs/release.md#build-a-release, docs/release.md#bundle-layout, docs/release.md#the-installer; docs/release.md):
#   productive-k3s-infra-<tag>.tar.gz  checksums.txt  productive-k3s-infra-cli.sh
# Usage: scripts/build-release-bundle.sh <tag> <out dir>
#   <tag>  a git ref of this repository; X.Y.Z-A.B.C gives a bound release, any other ref an unbound bundle.
# The bundle is built from the ref's tree (git archive), never from the work tree, with the newest JDK found
# (PK3S_RELEASE_JDK, else Temurin 25, else the newest under /usr/lib/jvm, else JAVA_HOME / java on PATH), which
# also provides the bundled runtime/ (jlink) and its start-up archive. Same commit + tag => byte-identical archive.
set -euo pipefail

die() { printf '[pk3s-release] ERROR %s\n' "$1" >&2; exit "${2:-1}"; }
info() { printf '[pk3s-release] INFO  %s\n' "$1" >&2; }

[ $# -eq 2 ] || die "usage: scripts/build-release-bundle.sh <tag> <out dir>" 2
tag=$1
out=$2
case $tag in
  ''|-*|*[!A-Za-z0-9._-]*) die "release tag must be a git ref name made of [A-Za-z0-9._-]: '$tag'" 2 ;;
esac
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
commit=$(git -C "$repo" rev-parse --verify --quiet "refs/tags/$tag^{commit}" 2>/dev/null \
  || git -C "$repo" rev-parse --verify --quiet "$tag^{commit}" 2>/dev/null) \
  || die "unknown git ref: $tag" 2
# One fixed time for every file: the pom's outputTimestamp and the export archives' (pkg/ReproducibleTarGz) time,
# so the start-up archive, which records the jars' mtimes, stays valid in bundles exported from this one.
epoch=1767225600   # 2026-01-01T00:00:00Z

owner_repo=productive-k3s/productive-k3s-infra
download_base="https://github.com/$owner_repo/releases/download"
top="productive-k3s-infra-$tag"

# ---- JDK: newest available (the runtime we ship is only as new as the JDK that links it) ----
# shellcheck source=lib/pk3s-shell.sh
. "$repo/scripts/lib/pk3s-shell.sh"
# shellcheck source=lib/release-jdk.sh
. "$repo/scripts/lib/release-jdk.sh"
jdk=$(pick_jdk)
[ -n "$jdk" ] && [ -x "$jdk/bin/jlink" ] || die "missing dependency: a JDK 17+ with jlink (set PK3S_RELEASE_JDK)" 5
major=$(jdk_major "$jdk")
[ "$major" -ge 17 ] || die "JDK at $jdk is older than 17" 5
command -v mvn >/dev/null 2>&1 || die "missing dependency: mvn" 5
info "Building $top from $commit with the JDK at $jdk (Java $major)"

work=$(mktemp -d "${TMPDIR:-/tmp}/pk3s-release.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/src
stage=$work/stage/$top
mkdir -p "$src" "$stage/scripts" "$stage/lib"

# ---- the ref's tree, and the engine built from it ----
git -C "$repo" archive --format=tar "$commit" | tar -xf - -C "$src"
for required in productive-k3s-infra.sh scripts/productive-k3s-infra.sh scripts/lib/pk3s-shell.sh \
    scripts/lib/pk3s-launch.sh scripts/lib/pk3s-launcher.bash \
    scripts/release/productive-k3s-infra-cli.sh.in LICENSE pom.xml; do
  [ -f "$src/$required" ] || die "ref $tag has no $required; cannot build a release bundle from it" 4
done
t0=$SECONDS
if ! JAVA_HOME=$jdk SOURCE_DATE_EPOCH=$epoch mvn -B -q -f "$src/pom.xml" -DskipTests package >"$work/mvn.log" 2>&1; then
  cat "$work/mvn.log" >&2
  die "engine build failed" 1
fi

t_mvn=$((SECONDS - t0))

# ---- release identity (docs/contract/core.md#release-binding, docs/release.md#build-a-release) ----
core_default=$(sed -n 's/.*BUILT_IN_CORE_VERSION = "\([^"]*\)".*/\1/p' \
  "$src/src/main/java/io/productivek3s/infra/core/CoreDefaults.java" | head -n1)
[ -n "$core_default" ] || die "cannot read the core default (BUILT_IN_CORE_VERSION) of $tag" 4
if [ -f "$src/scripts/release-config.sh" ] \
    && ! grep -q "PRODUCTIVE_K3S_CORE_VERSION_DEFAULT:-$core_default}" "$src/scripts/release-config.sh"; then
  die "scripts/release-config.sh and core/CoreDefaults disagree on the core default ($core_default) at $tag" 4
fi
if [[ $tag =~ ^([0-9]+\.[0-9]+\.[0-9]+)-([0-9]+\.[0-9]+\.[0-9]+)$ ]]; then
  infra_semver=${BASH_REMATCH[1]} core_semver=${BASH_REMATCH[2]} is_release=true core_version=${BASH_REMATCH[2]}
  [ "$core_semver" = "$core_default" ] \
    || info "WARN  tag binds core $core_semver but the commit's core default is $core_default (docs/release.md#build-a-release)"
else
  infra_semver=$tag core_semver="" is_release=false core_version=$core_default
fi
cat > "$stage/scripts/release.env" <<EOF
PK3S_INFRA_RELEASE_TAG=$tag
PK3S_INFRA_SEMVER=$infra_semver
PK3S_CORE_SEMVER=$core_semver
PK3S_INFRA_IS_RELEASE=$is_release
PK3S_INFRA_RUNTIME_SURFACE=package-only
PRODUCTIVE_K3S_SOURCE=remote
PRODUCTIVE_K3S_VERSION=$core_version
PRODUCTIVE_K3S_RELEASE_REPO=productive-k3s/productive-k3s-core
EOF

# ---- bundle layout (docs/release.md#bundle-layout): nothing else from the tree ----
cp "$src/productive-k3s-infra.sh" "$stage/"
cp "$src/scripts/productive-k3s-infra.sh" "$stage/scripts/"
mkdir -p "$stage/scripts/lib"
# the launcher's shell helpers, flags and bash part (docs/contract/invocation.md "Launcher"), and the compiler
# directives of an encrypted state move (a ref from before them has none: the launcher then runs without them)
cp "$src/scripts/lib/pk3s-shell.sh" "$src/scripts/lib/pk3s-launch.sh" "$src/scripts/lib/pk3s-launcher.bash" "$stage/scripts/lib/"
[ -f "$src/scripts/lib/pk3s-sealed-jit.json" ] && cp "$src/scripts/lib/pk3s-sealed-jit.json" "$stage/scripts/lib/"
for optional in scripts/release-config.sh scripts/send-telemetry-event.sh; do
  [ -f "$src/$optional" ] && cp "$src/$optional" "$stage/$optional"
done
cp "$src/LICENSE" "$stage/"
cp "$src"/target/lib/*.jar "$stage/lib/"
cat > "$stage/README.md" <<EOF
# Productive K3S Infra $tag

Release bundle of the Productive K3S Infra engine (Java). It runs packaged profiles (\`profile.tgz\`):

    ./productive-k3s-infra.sh help
    ./productive-k3s-infra.sh profile validate --tgz <profile.tgz>
    ./productive-k3s-infra.sh profile install --tgz <profile.tgz> --env-file <site.env>
    ./productive-k3s-infra.sh profile status --tgz <profile.tgz> --env-file <site.env>
    ./productive-k3s-infra.sh profile destroy --tgz <profile.tgz> --env-file <site.env>

\`scripts/release.env\` fixes this bundle's version${core_semver:+, its binding to productive-k3s core $core_semver} and the
package-only command surface. \`runtime/\` is a Java runtime for Linux x86_64; on any other host the launcher uses
Java 17+ from \`JAVA_HOME\` or \`PATH\`. The bundle is read-only to the engine: state goes to the user's state
directory, start-up caches to the user's cache directory. Licensed under Apache-2.0 (LICENSE).
EOF

# ---- bundled Java runtime: only the modules the engine uses ----
# jdeps on the engine jar alone: the libraries' optional integrations (java.sql, java.beans) are loaded only when
# present and the engine never needs them. jdk.unsupported: sun.misc.Unsafe, used by the JSON library when present.
modules=$("$jdk/bin/jdeps" --multi-release "$major" --ignore-missing-deps --print-module-deps \
  "$stage/lib/productive-k3s-infra.jar")
modules="$modules,jdk.unsupported"
# java.sql: the PostgreSQL state backend (PK3S_STATE_BACKEND=postgresql://...) and its JDBC driver. The driver's other
# optional modules (java.naming for JNDI data sources, java.management, java.desktop, java.security.jgss for Kerberos)
# are not on the password/SCRAM/TLS connection path the engine uses.
case ",$modules," in *,java.sql,*) ;; *) modules="$modules,java.sql" ;; esac
[ "$major" -lt 22 ] && [ -d "$jdk/jmods" ] && [ -f "$jdk/jmods/jdk.crypto.ec.jmod" ] && modules="$modules,jdk.crypto.ec"  # TLS ECDHE before 22
pk3s_read_release "$jdk/release"
os_name=${pk3s_rel_os:-$(uname -s)}
os_arch=${pk3s_rel_arch:-$(uname -m)}
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --release-info "add:OS_NAME=$os_name:OS_ARCH=$os_arch" --output "$stage/runtime" >"$work/jlink.log" 2>&1 \
  || { cat "$work/jlink.log" >&2; die "jlink failed" 1; }

# Fixed modes and times before the start-up archive is made: the JVM checks the jars' size and mtime against it.
chmod -R u+rwX,go+rX,go-w "$stage"
chmod 0755 "$stage/productive-k3s-infra.sh" "$stage/scripts/productive-k3s-infra.sh"
chmod 0644 "$stage/scripts/lib/pk3s-shell.sh" "$stage/scripts/lib/pk3s-launch.sh" "$stage/scripts/lib/pk3s-launcher.bash"
[ -f "$stage/scripts/lib/pk3s-sealed-jit.json" ] && chmod 0644 "$stage/scripts/lib/pk3s-sealed-jit.json"
[ -f "$stage/scripts/send-telemetry-event.sh" ] && chmod 0755 "$stage/scripts/send-telemetry-event.sh"
[ -f "$stage/scripts/release-config.sh" ] && chmod 0644 "$stage/scripts/release-config.sh"
find "$stage" -exec touch -h -d "@$epoch" {} +

t_jlink=$((SECONDS - t0 - t_mvn))

# ---- start-up archive: class lists of the common commands, merged into one static CDS archive ----
# Relative class path at dump time keeps the build directory out of the archive (reproducible), and the JVM
# accepts the archive at any install location with the same lib/ layout.
rel_cp=$(cd "$stage" && LC_ALL=C; for j in lib/*.jar; do printf '%s:' "$j"; done)
rel_cp=${rel_cp%:}
train=$work/train
mkdir -p "$train/home" "$train/state" "$train/tmp"
java_rt=$stage/runtime/bin/java
jvm_flags=$(sed -n "s/^pk3s_jvm_flags='\\(.*\\)'\$/\\1/p" "$stage/scripts/lib/pk3s-launch.sh")
train_backend=""   # set around the one training run of the PostgreSQL backend
run_training() { # <name> <engine args...>
  local name=$1; shift
  # shellcheck disable=SC2086
  (cd "$stage" && env -i PATH="$PATH" HOME="$train/home" TMPDIR="$train/tmp" LANG=C.UTF-8 TELEMETRY_ENABLED=false \
    ${train_backend:+PK3S_STATE_BACKEND="$train_backend"} \
    PK3S_PROFILE_STATE_DIR="$train/state" PK3S_CATALOG_URLS=http://127.0.0.1:9/index.yaml \
    "$java_rt" $jvm_flags -Xshare:off -XX:DumpLoadedClassList="$train/$name.classlist" \
    -Dpk3s.install.root="$stage" -Dpk3s.stderr.tty=false -cp "$rel_cp" io.productivek3s.infra.Main "$@" \
    </dev/null >"$train/$name.log" 2>&1) || true
}
run_training version version
run_training help help
run_training bom bom --json
run_training bundle bundle info --json
run_training doctor doctor
demo=$src/examples/local-demo.tgz
site=$src/examples/local-demo/site.env.example
if [ -f "$demo" ]; then
  run_training validate profile validate --tgz "$demo"
  run_training events --events ndjson profile validate --tgz "$demo"
  if [ -f "$site" ] && command -v make >/dev/null 2>&1; then
    run_training install profile install --tgz "$demo" --env-file "$site"
    run_training status profile status --tgz "$demo" --env-file "$site"
    run_training destroy profile destroy --tgz "$demo" --env-file "$site"
    # The PostgreSQL backend's driver and connection path up to the socket (nothing listens on port 9): its classes
    # in the archive cut its start-up cost (docs/performance.md "State backends"). Not against a live server: the
    # class list then varies between builds and the bundle would no longer be byte-identical.
    train_backend=postgresql://train@127.0.0.1:9/train
    run_training pgstate profile status --tgz "$demo" --env-file "$site"
    train_backend=""
  else
    info "WARN  make or the example env file missing: start-up archive not trained on install/status/destroy"
  fi
fi
grep -q '^dev$\|^'"$tag"'$' "$train/version.log" || { cat "$train/version.log" >&2; die "the bundled runtime cannot run the engine" 1; }
# Merged, sorted, without the per-run parts: "id:" numbers and "@cp" constant-pool hints (timing-dependent, so
# two builds would differ; the archive does not need them). scripts/release/pg-state.classlist adds what a real
# PostgreSQL login loads (committed, made by scripts/release/train-pg-classlist.sh: no server needed here).
pg_list=$src/scripts/release/pg-state.classlist
[ -f "$pg_list" ] || pg_list=/dev/null
cat "$train"/*.classlist "$pg_list" | sed -e '/^#/d' -e '/^@cp /d' -e 's/ id: [0-9]*$//' | LC_ALL=C sort -u > "$stage/lib/engine.classlist"
# Serial GC and a fixed heap for the dump: with the default (G1, heap sized from the machine) about one dump in
# five on a loaded machine wrote a few different bytes (GC worker threads racing the archiving of the heap); with
# these, 14 of 14 dumps under the same load were identical (docs/release.md "Reproducible").
(cd "$stage" && "$java_rt" -Xshare:dump -XX:+UseSerialGC -Xms128m -Xmx128m -XX:SharedClassListFile=lib/engine.classlist \
  -XX:SharedArchiveFile=runtime/lib/pk3s-engine.jsa -cp "$rel_cp" >"$work/dump.log" 2>&1) \
  || { cat "$work/dump.log" >&2; die "start-up archive dump failed" 1; }
# Engine identity for archives made at run time by other JVMs (launcher cache key).
(cd "$stage/lib" && LC_ALL=C sha256sum ./*.jar) | sha256sum | cut -c1-16 > "$stage/lib/engine.id"
chmod 0644 "$stage/lib/engine.classlist" "$stage/lib/engine.id" "$stage/runtime/lib/pk3s-engine.jsa"
find "$stage" -exec touch -h -d "@$epoch" {} +

t_train=$((SECONDS - t0 - t_mvn - t_jlink))

# ---- the three assets ----
mkdir -p "$out"
out=$(cd "$out" && pwd)
asset=$top.tar.gz
tar --sort=name --format=gnu --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
  -C "$work/stage" -cf - "$top" | gzip -n > "$work/$asset"
(cd "$work" && sha256sum "$asset") > "$work/checksums.txt"
# The installer carries the archive's digest: it keys the installer's cache of the unpacked release, so a later
# call finds its verified copy with no download (docs/release.md "The installer").
asset_sha=$(cut -d' ' -f1 "$work/checksums.txt")
# The installer is downloaded alone: the shared shell helpers are pasted in place of its '# @pk3s-shell@' line.
sed -e "s|@VERSION@|$tag|g" -e "s|@REPO@|$owner_repo|g" -e "s|@CORE@|$core_semver|g" -e "s|@BASE_URL@|$download_base|g" \
  -e "s|@ARCHIVE_SHA256@|$asset_sha|g" -e "/^# @pk3s-shell@\$/{r $src/scripts/lib/pk3s-shell.sh" -e "d;}" \
  "$src/scripts/release/productive-k3s-infra-cli.sh.in" > "$work/productive-k3s-infra-cli.sh"
grep -q '^pk3s_cache_base()' "$work/productive-k3s-infra-cli.sh" || die "the installer template has no '# @pk3s-shell@' line" 4
chmod 0755 "$work/productive-k3s-infra-cli.sh"
chmod 0644 "$work/$asset" "$work/checksums.txt"
for f in "$asset" checksums.txt productive-k3s-infra-cli.sh; do
  mv -f "$work/$f" "$out/$f"
done
info "Timings: maven ${t_mvn}s, jlink ${t_jlink}s, start-up archive ${t_train}s, archive $((SECONDS - t0 - t_mvn - t_jlink - t_train))s"
info "Wrote $out/$asset ($(du -k "$out/$asset" | cut -f1) KiB), $out/checksums.txt, $out/productive-k3s-infra-cli.sh"
