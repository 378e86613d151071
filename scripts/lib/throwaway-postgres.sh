# Sourced by developer scripts (bench/state-backend.sh, scripts/release/train-pg-classlist.sh): a throwaway
# PostgreSQL server on 127.0.0.1 with SCRAM authentication, as a team's server would ask, in a fresh temp dir that
# is removed on exit. Not part of any bundle.
#
# pg_throwaway_start <prefix> <role>: sets pg_work (temp dir; put other scratch files there too), pg_port, pg_pw,
# pg_bin and pg_as (the command prefix that runs a server tool: runuser -u postgres -- when root), creates <role>
# and a database of the same name owned by it, and traps EXIT to stop the server and remove pg_work.
pg_throwaway_start() {
  local prefix=$1 role=$2 d
  pg_bin=""
  if command -v initdb >/dev/null 2>&1; then pg_bin=$(dirname "$(readlink -f "$(command -v initdb)")"); fi
  if [ -z "$pg_bin" ]; then
    for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && pg_bin=$d; done
  fi
  [ -n "$pg_bin" ] || { echo "$prefix: initdb not found (apt-get install postgresql)" >&2; exit 5; }
  pg_work=$(mktemp -d "${TMPDIR:-/tmp}/pk3s-$prefix.XXXXXX")
  chmod 755 "$pg_work"
  pg_as=()
  if [ "$(id -u)" = 0 ]; then pg_as=(runuser -u postgres --); chown postgres: "$pg_work"; fi
  pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  pg_pw=$prefix-pw-$$
  trap pg_throwaway_stop EXIT
  printf '%s\n' "$pg_pw" > "$pg_work/pw"
  if [ ${#pg_as[@]} -gt 0 ]; then chown postgres: "$pg_work/pw"; fi
  "${pg_as[@]}" "$pg_bin/initdb" -D "$pg_work/data" -U postgres --pwfile="$pg_work/pw" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync >/dev/null
  "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_work/data" -l "$pg_work/server.log" -w \
    -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $pg_work" start >/dev/null
  "${pg_as[@]}" "$pg_bin/psql" -q -h "$pg_work" -p "$pg_port" -U postgres -d postgres \
    -c "CREATE ROLE $role LOGIN PASSWORD '$pg_pw'" -c "CREATE DATABASE $role OWNER $role" >/dev/null
}

pg_throwaway_stop() {
  "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_work/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$pg_work"
}
