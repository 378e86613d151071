#!/usr/bin/env bash
# Per-object cost of encryption alone, engine jar A vs B (docs/performance.md "Encryption at rest", "Per-object
# costs"): bench/SealedSmallItems.java over N small items under the launcher's flags for an ordinary command (C1)
# and for an encrypted state move, interleaved, process CPU (user+sys) from /usr/bin/time.
# Usage: bench/sealed-small-items.sh JAR_A JAR_B [items] [runs]   (default 10000 items, 3 runs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
a=$1 b=$2 n=${3:-10000} runs=${4:-3}
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
flags() { sed -n "s/^$1='\(.*\)'\$/\1/p" scripts/lib/pk3s-launch.sh; }
base=$(flags pk3s_jvm_flags) big=$(flags pk3s_jvm_flags_big) sealed=$(flags pk3s_jvm_flags_sealed)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"${java%java}javac" -cp "$b" -d "$tmp" bench/SealedSmallItems.java || { echo "sealed-small-items: javac needed" >&2; exit 5; }
[ -x /usr/bin/time ] || { echo "sealed-small-items: /usr/bin/time is needed" >&2; exit 5; }
echo "A: $a; B: $b; $n items; $("$java" -version 2>&1 | head -1); $(nproc) CPUs; $(uptime | sed 's/^ *//')"
for i in $(seq "$runs"); do
  for label in "C1 (ordinary command)|" "encrypted state move|$big $sealed"; do
    extra=${label#*|}
    for jar in "$a" "$b"; do
      # shellcheck disable=SC2086  # the flag lists are words
      out=$(/usr/bin/time -f '%U %S' "$java" $base $extra -cp "$tmp:$jar" SealedSmallItems "$n" 2>&1)
      read -r u s <<<"$(tail -1 <<<"$out")"
      printf 'run %s %-22s %s: %s; process CPU %s ms\n' "$i" "${label%%|*}" "$([ "$jar" = "$a" ] && echo A || echo B)" \
        "$(head -1 <<<"$out" | cut -d' ' -f1-4)" "$(echo "($u + $s) * 1000 / 1" | bc)"
    done
  done
done
echo "done; $(uptime | sed 's/^ *//')"
