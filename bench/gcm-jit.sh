#!/usr/bin/env bash
# Why encrypted state was slow (docs/performance.md "Encryption at rest"): AES-256-GCM as state/crypto/Sealed drives
# it, under the launcher's JIT flags for ordinary commands (C1 only), under those it gives an encrypted state move
# (C2 + the JDK's cipher classes compiled early), and under the JVM's default, for 1 MiB chunks (the first format)
# and 64 KiB (today's). PrintIntrinsics shows which AES/GHASH intrinsics C2 used (C1 has none).
# Usage: bench/gcm-jit.sh [MB]   (default 300); JAVA_HOME picks the Java (e.g. /usr/lib/jvm/temurin-25-jdk-amd64)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mb=${1:-300}
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
flags() { sed -n "s/^$1='\(.*\)'\$/\1/p" scripts/lib/pk3s-launch.sh; }
base=$(flags pk3s_jvm_flags) big=$(flags pk3s_jvm_flags_big) sealed=$(flags pk3s_jvm_flags_sealed)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"${java%java}javac" -d "$tmp" bench/GcmJit.java 2>/dev/null || { echo "gcm-jit: javac needed (a JDK)" >&2; exit 5; }
echo "$("$java" -version 2>&1 | head -1); $(nproc) CPUs; $(uptime | sed 's/^ *//')"
while IFS='|' read -r label extra; do
  for chunk in 1048576 65536; do
    # shellcheck disable=SC2086  # the flag lists are words
    out=$("$java" $base $extra -XX:+UnlockDiagnosticVMOptions -XX:+PrintIntrinsics -cp "$tmp" GcmJit "$mb" "$chunk")
    used=$(grep -o 'implGCMCrypt0\|CounterMode::implCrypt\|GHASH::processBlocks' <<<"$out" | sort -u | tr "\n" " " || true)
    printf '%-34s %s\n    intrinsics used: %s\n' "$label" "$(grep 'MB in' <<<"$out")" "${used:-none}"
  done
done <<EOF2
launcher, ordinary command (C1)|
launcher, big package (C2)|$big
launcher, encrypted state move|$big $sealed
JVM default (tiered C1+C2)|-XX:TieredStopAtLevel=4
EOF2
echo "done; $(uptime | sed 's/^ *//')"
