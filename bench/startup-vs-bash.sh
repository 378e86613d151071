#!/usr/bin/env bash
# Start-up side by side, in one hyperfine run: the bash engine, this engine from an installed release bundle, and
# this engine from the source checkout. Whole processes, launcher included, as pk3s runs them.
# Usage: bench/startup-vs-bash.sh [runs] [bundle dir]
#   runs        hyperfine runs per command (default 30)
#   bundle dir  an extracted release bundle (default: built from HEAD with scripts/build-release-bundle.sh)
#   BASH_ENGINE the bash engine's scripts/productive-k3s-infra.sh (default /work/bash-engine/...; skipped if absent)
# Numbers and their interpretation: docs/performance.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-30}
bundle=${2:-}
bash_engine=${BASH_ENGINE:-/work/bash-engine/scripts/productive-k3s-infra.sh}
command -v hyperfine >/dev/null 2>&1 || { echo "needs hyperfine (apt-get install -y hyperfine)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pk3s-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -z "$bundle" ]; then
  scripts/build-release-bundle.sh HEAD "$work/dist" >&2
  tar -xzf "$work/dist/productive-k3s-infra-HEAD.tar.gz" -C "$work"
  bundle=$work/productive-k3s-infra-HEAD
fi
# The bash engine of the 0.9.65 generation needs the profile/v1 fields; the Java engine accepts both packages.
pkg=$PWD/examples/local-demo.tgz
[ -f "${bash_engine%/scripts/*}/fixtures/local-demo-v1.tgz" ] && pkg=${bash_engine%/scripts/*}/fixtures/local-demo-v1.tgz
export PK3S_PROFILE_STATE_DIR=$work/state TELEMETRY_ENABLED=false TELEMETRY_ENDPOINT= HOME=$work/home
export XDG_CACHE_HOME=$work/cache
mkdir -p "$PK3S_PROFILE_STATE_DIR" "$HOME"
./productive-k3s-infra.sh version >/dev/null          # source checkout: build and train outside the measurement
"$bundle/productive-k3s-infra.sh" version >/dev/null

cmds=()
names=()
add() { names+=("$1"); cmds+=("$2"); }
# The floor any JVM engine pays: a hello world on the bundle's runtime, with the launcher's flags and the bundle's
# start-up archive (its JDK part; the class path differs, so the app part is not used).
mkdir -p "$work/hello"
printf 'public class Hello { public static void main(String[] a) { System.out.println("dev"); } }\n' > "$work/hello/Hello.java"
javac --release 17 -d "$work/hello" "$work/hello/Hello.java"
flags=$(sed -n 's/^pk3s_jvm_flags=(\(.*\))$/\1/p' productive-k3s-infra.sh)
add "release JVM: hello world" "$bundle/runtime/bin/java $flags -XX:SharedArchiveFile=$bundle/runtime/lib/pk3s-engine.jsa -Xlog:cds=off -cp $work/hello Hello"
for args in "version" "profile validate --tgz $pkg"; do
  [ -f "$bash_engine" ] && add "bash: $args" "bash $bash_engine $args"
  add "release: $args" "$bundle/productive-k3s-infra.sh $args"
  add "source: $args" "$PWD/productive-k3s-infra.sh $args"
done
hyperfine_args=(-N --warmup 3 --runs "$runs" --style basic --export-markdown "$work/result.md")
for i in "${!cmds[@]}"; do hyperfine_args+=(-n "${names[$i]}" "${cmds[$i]}"); done
[ -f "$bash_engine" ] || echo "bash engine not found at $bash_engine: measuring without it" >&2
java -version 2>&1 | head -1 >&2
hyperfine "${hyperfine_args[@]}" >&2
cat "$work/result.md"
