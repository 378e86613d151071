#!/usr/bin/env bash
# Whole-process wall time of `profile validate` for a local path vs a cached catalog name (launcher and JVM
# included), each run started fresh like a user or pk3s would. Needs bash 5 (EPOCHREALTIME) and python3 (a
# loopback HTTP server that serves the catalog and the artifact). Usage: bench/catalog-validate.sh [runs]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-15}"
engine=./productive-k3s-infra.sh

work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

cp examples/local-demo.tgz "$work/local-demo-1.0.0.tgz"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
sha="$(python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$work/local-demo-1.0.0.tgz")"
cat > "$work/index.yaml" <<YAML
apiVersion: catalogs.productive-k3s.io/v1alpha1
kind: ProductiveK3SCatalog
metadata:
  name: productive-k3s-catalog
  generatedAt: "2026-01-01T00:00:00Z"
entries:
  - id: local-demo
    name: local-demo
    kind: profile
    visibility: public
    category: local
    description: "bench profile"
    version: 1.0.0
    artifact:
      type: tgz
      url: http://127.0.0.1:$port/local-demo-1.0.0.tgz
      sha256: $sha
YAML
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work" >/dev/null 2>&1 &
server=$!
export HOME="$work/home"
mkdir -p "$HOME"
unset XDG_CACHE_HOME
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$port))" 2>/dev/null && break; sleep 0.1; done

"$engine" help >/dev/null  # builds the engine first if the sources changed
PK3S_CATALOG_URLS="$work/index.yaml" "$engine" profile validate --tgz local-demo >/dev/null  # primes the cache

# One run of each case per round, so load changes on a shared machine hit every case alike.
labels=("local path (--tgz file.tgz)" "cached name, file catalog (--tgz local-demo)" "cached name, file catalog, --offline"
  "cached name, HTTP catalog (revalidated)")
run_case() {
  case "$1" in
    0) "$engine" profile validate --tgz "$work/local-demo-1.0.0.tgz" ;;
    1) PK3S_CATALOG_URLS="$work/index.yaml" "$engine" profile validate --tgz local-demo ;;
    2) PK3S_CATALOG_URLS="$work/index.yaml" "$engine" --offline profile validate --tgz local-demo ;;
    3) PK3S_CATALOG_URLS="http://127.0.0.1:$port/index.yaml" "$engine" profile validate --tgz local-demo ;;
  esac
}
for _ in $(seq "$runs"); do
  for c in 0 1 2 3; do
    start="$EPOCHREALTIME"
    run_case "$c" >/dev/null
    end="$EPOCHREALTIME"
    python3 -c "print(round(($end - $start) * 1000))" >> "$work/times-$c"
  done
done
for c in 0 1 2 3; do
  sort -n "$work/times-$c" | python3 -c "
import sys
t=[int(x) for x in sys.stdin]
print(f'{sys.argv[1]:<48} median {t[len(t)//2]:>5} ms   min {t[0]:>5} ms   max {t[-1]:>5} ms   (n={len(t)})')" "${labels[$c]}"
done
