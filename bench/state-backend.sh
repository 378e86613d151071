#!/usr/bin/env bash
# State backends: `profile status` of the example with the PostgreSQL backend vs the local one (whole process,
# launcher included), and the bytes a persist uploads when an unchanged 300 MB runtime tree is persisted again.
# Usage: bench/state-backend.sh [runs]   (default 20). PK3S_BENCH_LAUNCHER: the launcher to measure (default: this
# checkout's; give an installed release bundle's productive-k3s-infra.sh to measure what users run). Starts a throwaway PostgreSQL server on 127.0.0.1 (initdb and
# pg_ctl from PATH or /usr/lib/postgresql/*/bin; as the postgres user when run as root). Uses hyperfine if present.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
runs="${1:-20}"
mb="${PK3S_BENCH_TREE_MB:-300}"

# shellcheck source=../scripts/lib/throwaway-postgres.sh
. scripts/lib/throwaway-postgres.sh
pg_throwaway_start bench-state bench
work=$pg_work port=$pg_port pw=$pg_pw bin=$pg_bin as_pg=("${pg_as[@]}")
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (scram-sha-256)"

export HOME=$work/home TMPDIR=$work/tmp TELEMETRY_ENABLED=false
mkdir -p "$HOME" "$TMPDIR"
launcher=${PK3S_BENCH_LAUNCHER:-./productive-k3s-infra.sh}
echo "launcher: $launcher"
pk3s=("$launcher" profile status --tgz examples/local-demo.tgz --env-file examples/local-demo/site.env.example)
install=("$launcher" profile install --tgz examples/local-demo.tgz --env-file examples/local-demo/site.env.example)
local_env=(env PK3S_PROFILE_STATE_DIR="$work/local-state")
pg_env=(env PK3S_PROFILE_STATE_DIR="$work/pg-state" PK3S_STATE_BACKEND="postgresql://bench@127.0.0.1:$port/bench"
  PGPASSWORD="$pw")
"${local_env[@]}" "${install[@]}" >/dev/null 2>&1
"${pg_env[@]}" "${install[@]}" >/dev/null 2>&1

echo
echo "== profile status of examples/local-demo.tgz, local vs PostgreSQL (loopback) =="
"${pg_env[@]}" "${pk3s[@]}" --debug 2>&1 | grep -o 'state backend .*: connected in [0-9]* ms, schema checked in [0-9]* ms' \
  | sed "s/$pw/****/g" || true
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --warmup 3 --runs "$runs" --style basic \
    -n local "${local_env[*]} ${pk3s[*]}" \
    -n postgresql "${pg_env[*]} ${pk3s[*]}"
else
  for mode in local pg; do
    eval "cmd=(\"\${${mode}_env[@]}\" \"\${pk3s[@]}\")"
    start=$(date +%s%N)
    for _ in $(seq "$runs"); do "${cmd[@]}" >/dev/null 2>&1; done
    end=$(date +%s%N)
    printf '%-12s mean %6.1f ms over %d runs\n' "$mode" "$(echo "($end - $start) / 1000000 / $runs" | bc -l)" "$runs"
  done
fi

echo
echo "== bytes uploaded when an unchanged ${mb} MB runtime tree is persisted again (PostgreSQL) =="
# A ${mb} MB provider binary in the mirrored runtime tree: restored into the scenario (hard link), captured, uploaded
# once by the first status, then unchanged.
providers=$work/pg-state/local-demo.runtime/opentofu/.terraform/providers/registry.example/bench/big/1.0.0/linux_amd64
mkdir -p "$providers"
head -c "$((mb * 1024 * 1024))" /dev/urandom > "$providers/terraform-provider-big"
chmod 700 "$providers/terraform-provider-big"
sleep 2   # out of the digest memo's racy window
for run in first second third; do
  t0=$(date +%s%N)
  line=$("${pg_env[@]}" "${pk3s[@]}" --debug 2>&1 | grep -o 'state: uploaded [0-9]* bytes in [0-9]* new blob(s)' || true)
  t1=$(date +%s%N)
  printf '%-7s persist: %-45s (%5d ms whole command)\n' "$run" "${line:-no upload line}" $(((t1 - t0) / 1000000))
done
"${as_pg[@]}" "$bin/psql" -h "$work" -p "$port" -U postgres -d bench -Atc \
  "SELECT 'database: ' || count(*) || ' blobs, ' || pg_size_pretty(sum(size)) || ' of file content, revisions: ' || (SELECT count(*) FROM pk3s_revisions) FROM pk3s_blobs"
