#!/usr/bin/env bash
# Big packages side by side: this engine against the bash engine (when BASH_ENGINE points at its
# productive-k3s-infra.sh), in one hyperfine run per scenario, whole processes through the launchers.
#
# Usage: bench/big-packages.sh [runs]          (default 5)
#   BIG_BENCH_DIR  where packages, caches and state live (default: a fresh temp dir; reuse it to skip the build)
#   BASH_ENGINE    the bash engine's entrypoint script, run with bash
#                  (default: /tmp/bash-engine/scripts/productive-k3s-infra.sh when present, extracted as
#                  DEVELOPERS.md says)
#                  (BASH_ENGINE=none: this engine only)
#   BIG_BENCH_ONLY space-separated subset of: validate status files state rss
#   BIG_BENCH_FILES file counts for the "files" and "rss" cases (default: 100 1000 10000 100000)
#   BIG_BENCH_FLOOR=1 also time "tar xzf + rm -rf" of each package in the same hyperfine run: the file-creation
#                  floor any engine pays on this disk (a stand-in when the bash engine is not on the machine)
#
# Packages are built reproducibly by bench/big-packages-build.py. Each engine gets its own HOME, cache and state
# dir per package. "first validate" empties this engine's package cache before every run (the bash engine keeps
# nothing between runs, so its first and repeat runs are the same); the page cache stays warm for both.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$PWD"
runs="${1:-5}"
dir="${BIG_BENCH_DIR:-$(mktemp -d /tmp/pk3s-big-bench.XXXXXX)}"
only="${BIG_BENCH_ONLY:-validate status files state rss}"
bash_engine="${BASH_ENGINE:-}"
if [ -z "$bash_engine" ] && [ -f /tmp/bash-engine/scripts/productive-k3s-infra.sh ]; then
  bash_engine=/tmp/bash-engine/scripts/productive-k3s-infra.sh
fi
[ "$bash_engine" = none ] && bash_engine=""
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }

mkdir -p "$dir/pkgs" "$dir/results"
python3 bench/big-packages-build.py examples/local-demo "$dir/pkgs"
site="$dir/site.env"
cp examples/local-demo/site.env.example "$site"
printf 'DEMO_STATE_FILES=10000\n' | cat "$site" - > "$dir/site-state.env"
./productive-k3s-infra.sh version >/dev/null   # build + CDS training outside the measurement

engines=(ours)
[ -n "$bash_engine" ] && engines+=(bash)
entry() { if [ "$1" = ours ]; then echo "$repo/productive-k3s-infra.sh"; else echo "bash $bash_engine"; fi; }
# env prefix for engine $1 on case $2: private HOME, cache and state; entry limits high enough for 100,000 files
envs() {
  local home="$dir/home/$1-$2"
  mkdir -p "$home"
  echo "env HOME=$home XDG_CACHE_HOME=$home/cache PK3S_PROFILE_STATE_DIR=$home/state TMPDIR=$dir/tmp" \
    "TELEMETRY_ENABLED=false TELEMETRY_ENDPOINT=" \
    "PK3S_INFRA_MAX_PACKAGE_ENTRIES=300000 PK3S_INFRA_MAX_PACKAGE_BYTES=4294967296"
}
mkdir -p "$dir/tmp"
cmd() {  # engine case args...
  local engine="$1" case="$2"
  shift 2
  echo "$(envs "$engine" "$case") $(entry "$engine") $*"
}
hf() {  # name, then one command per engine
  local name="$1"
  shift
  echo "== $name" >&2
  hyperfine --style basic --runs "$runs" --warmup 1 --export-markdown "$dir/results/$name.md" "$@" 2>&1 \
    | grep -v '^ *$' || true
}
quiet() { "$@" >/dev/null 2>&1 || { echo "setup failed: $*" >&2; "$@" >&2 || true; exit 1; }; }

big="$dir/pkgs/big.tgz"
status_args() { echo "profile status --tgz $1 --env-file $2"; }

if [[ " $only " == *" validate "* ]]; then
  ours_cache="$dir/home/ours-first/cache/pk3s"
  cmds=(--command-name "ours first validate" --prepare "rm -rf $ours_cache/packages $ours_cache/digests"
        "$(cmd ours first profile validate --tgz "$big")")
  [ -n "$bash_engine" ] && cmds+=(--command-name "bash validate" --prepare true "$(cmd bash first profile validate --tgz "$big")")
  hf first-validate "${cmds[@]}"
  # Beside it, in the same hyperfine run, the small example (examples/local-demo.tgz, 4 KB): a repeat validate of
  # the big package should cost no more than a validate of the small one (docs/performance.md "Package cache").
  small="$repo/examples/local-demo.tgz"
  cmds=(--command-name "ours repeat validate" "$(cmd ours repeat profile validate --tgz "$big")"
        --command-name "ours validate small example" "$(cmd ours small profile validate --tgz "$small")"
        --command-name "ours validate small example, no cache"
        "$(envs ours small-nocache) PK3S_INFRA_PACKAGE_CACHE_BYTES=0 $(entry ours) profile validate --tgz $small")
  [ -n "$bash_engine" ] && cmds+=(--command-name "bash validate" "$(cmd bash repeat profile validate --tgz "$big")")
  hf repeat-validate "${cmds[@]}"
fi

# status of a package with state present: install once, then measure repeat status runs.
status_case() {  # name package site
  local name="$1" pkg="$2" s="$3" cmds=() engine
  for engine in "${engines[@]}"; do
    # shellcheck disable=SC2046
    quiet $(cmd "$engine" "$name" profile install --tgz "$pkg" --env-file "$s")
    cmds+=(--command-name "$engine status $name" "$(cmd "$engine" "$name" $(status_args "$pkg" "$s"))")
  done
  if [ -n "${BIG_BENCH_FLOOR:-}" ]; then
    cmds+=(--command-name "tar x + rm -rf $name" \
      "sh -c 'd=\$(mktemp -d $dir/tmp/floor.XXXXXX) && tar xzf $pkg -C \$d && rm -rf \$d'")
  fi
  hf "status-$name" "${cmds[@]}"
}

# Bytes written to the state dir by one repeat status: new or changed files (inode, size or mtime differ).
state_bytes() {  # engine case package site
  local state="$dir/home/$1-$2/state" before="$dir/tmp/before.$$"
  find "$state" -type f -printf '%i %s %T@ %p\n' | sort > "$before"
  # shellcheck disable=SC2046
  quiet $(cmd "$1" "$2" $(status_args "$3" "$4"))
  find "$state" -type f -printf '%i %s %T@ %p\n' | sort | comm -13 "$before" - | awk '{s += $2} END {print s + 0}'
  rm -f "$before"
}

if [[ " $only " == *" status "* ]]; then
  status_case big "$big" "$site"
  for engine in "${engines[@]}"; do
    echo "bytes written to the state dir by a repeat status (big, $engine): $(state_bytes "$engine" big "$big" "$site")"
  done
fi
if [[ " $only " == *" files "* ]]; then
  for n in ${BIG_BENCH_FILES:-100 1000 10000 100000}; do
    status_case "files-$n" "$dir/pkgs/files-$n.tgz" "$site"
  done
fi
if [[ " $only " == *" state "* ]]; then
  status_case state-10000 "$dir/pkgs/files-100.tgz" "$dir/site-state.env"
  for engine in "${engines[@]}"; do
    echo "bytes written to the state dir by a repeat status (10,000 files in state, $engine):" \
      "$(state_bytes "$engine" state-10000 "$dir/pkgs/files-100.tgz" "$dir/site-state.env")"
  done
fi
if [[ " $only " == *" rss "* ]]; then
  # Peak RSS and CPU of one run each (GNU time: %M = maximum resident set, KB); the package cache is warm.
  for engine in "${engines[@]}"; do
    cases=("big:profile validate --tgz $big" "big:$(status_args "$big" "$site")")
    for n in ${BIG_BENCH_FILES:-100 1000 10000 100000}; do
      cases+=("files-$n:$(status_args "$dir/pkgs/files-$n.tgz" "$site")")
    done
    for c in "${cases[@]}"; do
      # shellcheck disable=SC2046
      quiet $(cmd "$engine" "${c%%:*}" profile install --tgz "$dir/pkgs/${c%%:*}.tgz" --env-file "$site")
      # shellcheck disable=SC2046
      m=$(/usr/bin/time -f '%M KB, %e s wall, %U s user, %S s sys' $(cmd "$engine" "${c%%:*}" "${c#*:}") 2>&1 >/dev/null | tail -1)
      echo "peak RSS ($engine, ${c%%:*}, ${c#*:}): $m"
    done
  done
fi
echo "results: $dir/results"
