#!/usr/bin/env bash
# Start-up side by side, interleaved: the bash engine, this engine from an installed release bundle (with the AOT
# cache it trains on first use, and with the shipped archive only), and hello worlds on the bundle's runtime (the
# floor any JVM engine pays). Whole processes, launcher included, as pk3s runs them; wall and CPU time (user + sys,
# the steadier number on a shared machine). Then, with hyperfine, the first run of a command family (which trains its
# AOT cache) against an ordinary run.
# Usage: bench/startup-vs-bash.sh [rounds] [bundle dir]
#   rounds      interleaved rounds, each runs every command once (default 30)
#   bundle dir  an extracted release bundle (default: built from HEAD with scripts/build-release-bundle.sh)
#   BASH_ENGINE the bash engine's scripts/productive-k3s-infra.sh (default /tmp/bash-engine/...; DEVELOPERS.md says
#               how to extract it; measured without it when absent)
# Numbers and their interpretation: docs/performance.md "Start-up side by side with the bash engine".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-30}
bundle=${2:-}
bash_engine=${BASH_ENGINE:-/tmp/bash-engine/scripts/productive-k3s-infra.sh}
command -v hyperfine >/dev/null 2>&1 || { echo "needs hyperfine (apt-get install -y hyperfine)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pk3s-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -z "$bundle" ]; then
  scripts/build-release-bundle.sh HEAD "$work/dist" >&2
  tar -xzf "$work/dist/productive-k3s-infra-HEAD.tar.gz" -C "$work"
  bundle=$work/productive-k3s-infra-HEAD
fi
bundle=$(cd "$bundle" && pwd)
# The bash engine of the 0.9.65 generation validates the example as it is; an older checkout may carry a profile/v1
# copy of it (the Java engine accepts both packages).
pkg=$PWD/examples/local-demo.tgz
[ -f "${bash_engine%/scripts/*}/fixtures/local-demo-v1.tgz" ] && pkg=${bash_engine%/scripts/*}/fixtures/local-demo-v1.tgz
export PK3S_PROFILE_STATE_DIR=$work/state TELEMETRY_ENABLED=false TELEMETRY_ENDPOINT= HOME=$work/home
export XDG_CACHE_HOME=$work/cache
mkdir -p "$PK3S_PROFILE_STATE_DIR" "$HOME"
# Outside the measurement: the bundle trains the AOT caches of both commands.
"$bundle/productive-k3s-infra.sh" version >/dev/null
"$bundle/productive-k3s-infra.sh" profile validate --tgz "$pkg" >/dev/null 2>&1

# Hello worlds on the bundle's runtime with the launcher's flags: with the bundle's shipped archive (only its JDK
# part serves another class path) and with an AOT cache of their own, made the way the launcher makes one.
mkdir -p "$work/hello"
printf 'public class Hello { public static void main(String[] a) { System.out.println("dev"); } }\n' > "$work/hello/Hello.java"
javac --release 17 -d "$work/hello" "$work/hello/Hello.java"
(cd "$work/hello" && jar cf ../hello.jar Hello.class)
flags=$(sed -n "s/^pk3s_jvm_flags='\\(.*\\)'\$/\\1/p" scripts/lib/pk3s-launch.sh)
java_rt=$bundle/runtime/bin/java
# shellcheck disable=SC2086
"$java_rt" $flags -XX:AOTMode=record -XX:AOTConfiguration="$work/hello.conf" -Xlog:disable -cp "$work/hello.jar" Hello >/dev/null
# shellcheck disable=SC2086
"$java_rt" $flags -XX:AOTMode=create -XX:AOTConfiguration="$work/hello.conf" -XX:AOTCache="$work/hello.aot" -Xlog:disable \
  -cp "$work/hello.jar" >/dev/null 2>&1

# One interleaved run (bench/startup-interleaved.sh: every command once per round, so load changes on a shared
# machine hit all of them alike); the first row, a hello world with its own AOT cache, is the floor the ratios use.
specs=("hello world, own AOT cache=$java_rt $flags -XX:AOTCache=$work/hello.aot -Xlog:aot*=off -Xlog:cds*=off -cp $work/hello.jar Hello"
  "hello world, shipped archive=$java_rt $flags -XX:SharedArchiveFile=$bundle/runtime/lib/pk3s-engine.jsa -Xlog:cds=off -cp $work/hello.jar Hello")
for args in "version" "profile validate --tgz $pkg"; do
  [ -f "$bash_engine" ] && specs+=("bash: $args=bash $bash_engine $args")
  specs+=("release: $args=$bundle/productive-k3s-infra.sh $args")
  specs+=("release, shipped archive only: $args=env PK3S_INFRA_AOT_CACHE=off $bundle/productive-k3s-infra.sh $args")
done
[ -f "$bash_engine" ] || echo "bash engine not found at $bash_engine: measuring without it" >&2
"$java_rt" -version 2>&1 | head -1 >&2
uptime >&2
bench/startup-interleaved.sh "$runs" "${specs[@]}"
uptime >&2

# The first run of a command family: trains and publishes its AOT cache (the cache directory emptied before each).
echo
hyperfine -N --warmup 1 --runs "$(( runs < 5 ? runs : 5 ))" --style basic --export-markdown "$work/first.md" \
  --prepare "rm -rf $work/first-cache" \
  -n "release: version, first run (trains the AOT cache)" \
  "env XDG_CACHE_HOME=$work/first-cache $bundle/productive-k3s-infra.sh version" \
  -n "release: version, later run" "$bundle/productive-k3s-infra.sh version" >&2
cat "$work/first.md"
