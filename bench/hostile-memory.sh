#!/usr/bin/env bash
# Peak memory (max RSS, /usr/bin/time) and outcome of the engine on every generated hostile package
# (src/test/java/io/productivek3s/infra/testing/HostilePackages.java), through the launcher as users run it.
# Usage: bench/hostile-memory.sh [extra JVM option, e.g. -Xmx384m]
# Needs: mvn -B -q -DskipTests package test-compile (the corpus generator lives in the test classes), GNU time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time; Debian package 'time')" >&2; exit 5; }
[ -d target/test-classes ] || { echo "run: mvn -B -q -DskipTests package test-compile" >&2; exit 3; }
./productive-k3s-infra.sh version >/dev/null   # build/CDS on first use, outside the measurement

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/outside" "$work/tmp" "$work/home"
java -cp "target/test-classes:target/lib/*" io.productivek3s.infra.testing.HostilePackages "$work/packages" "$work/outside" > "$work/cases.tsv"

extra="${1:-}"
max=0; max_case=""; total=0; mismatches=0; traces=0
while IFS='|' read -r id command tgz assignments expected; do
  total=$((total + 1))
  set +e
  # shellcheck disable=SC2086  # assignments are NAME=value words without spaces
  env -i PATH="$PATH" HOME="$work/home" TMPDIR="$work/tmp" LANG=C.UTF-8 TELEMETRY_ENABLED=false \
    PK3S_PROFILE_STATE_DIR="$work/state" PK3S_PROFILE_MAKE_BIN=/bin/false ${extra:+JAVA_TOOL_OPTIONS="$extra"} $assignments \
    /usr/bin/time -f '%M' -o "$work/rss" "$root/productive-k3s-infra.sh" profile "$command" --tgz "$tgz" \
    >"$work/out" 2>"$work/err"
  code=$?
  set -e
  rss=$(tail -1 "$work/rss")
  [ "$code" = "$expected" ] || { mismatches=$((mismatches + 1)); echo "MISMATCH $id: exit $code, expected $expected" >&2; }
  grep -q $'\tat \|Exception in thread' "$work/err" && traces=$((traces + 1))
  if [ "$rss" -gt "$max" ]; then max=$rss; max_case="$id ($command)"; fi
done < "$work/cases.tsv"
escapes=$(find "$work/outside" -mindepth 1 | wc -l)
left=$(find "$work/tmp" -mindepth 1 -maxdepth 1 -name 'pk3s-infra-*' | wc -l)
printf 'cases %d, exit-code mismatches %d, stack traces %d, files written outside %d, temp dirs left %d\n' \
  "$total" "$mismatches" "$traces" "$escapes" "$left"
printf 'peak RSS %d KiB (%.0f MiB) in case %s%s\n' "$max" "$(echo "$max / 1024" | bc -l)" "$max_case" "${extra:+ with $extra}"
