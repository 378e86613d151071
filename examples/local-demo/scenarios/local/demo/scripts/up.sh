#!/usr/bin/env bash
# Simulates provisioning: writes the runtime files a real scenario writes, bumping the
# OpenTofu-style state serial so restored state is visible across runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/validate.sh
mkdir -p generated/ssh generated/logs opentofu
umask 077
state=opentofu/terraform.tfstate
serial=0
if [ -f "$state" ]; then
  serial="$(sed -n 's/.*"serial": *\([0-9]*\).*/\1/p' "$state" | head -n 1)"
  cp "$state" "$state.backup"
fi
serial=$((${serial:-0} + 1))
printf '{\n  "version": 4,\n  "serial": %d,\n  "lineage": "local-demo",\n  "outputs": {"cluster_name": {"value": "%s"}}\n}\n' \
  "$serial" "$DEMO_CLUSTER_NAME" > "$state"
printf 'demo placeholder key for %s (not a real key)\n' "$DEMO_CLUSTER_NAME" > generated/ssh/id_ed25519
nodes=""
agents=""
for i in $(seq 1 "$DEMO_NODE_COUNT"); do
  ip="127.0.0.$((10 + i))"
  if [ "$i" -eq 1 ]; then role=server; name="$DEMO_CLUSTER_NAME-server"; else role=agent; name="$DEMO_CLUSTER_NAME-agent-$((i - 1))"; fi
  nodes="$nodes${nodes:+,}{\"name\": \"$name\", \"role\": \"$role\", \"ipv4\": \"$ip\"}"
  [ "$role" = agent ] && agents="$agents${agents:+,}{\"name\": \"$name\", \"ipv4\": \"$ip\"}"
done
cat > generated/cluster.json <<JSON
{
  "cluster_name": "$DEMO_CLUSTER_NAME",
  "base_domain": "${DEMO_BASE_DOMAIN:-demo.k3s.internal}",
  "site": "$DEMO_SITE",
  "server_url": "https://127.0.0.11:6443",
  "ssh": {"user": "demo", "port": 22},
  "productive_k3s": {"source": "${PRODUCTIVE_K3S_SOURCE:-}", "version": "${PRODUCTIVE_K3S_VERSION:-}"},
  "server": {"name": "$DEMO_CLUSTER_NAME-server", "ipv4": "127.0.0.11"},
  "agents": [$agents],
  "nodes": [$nodes]
}
JSON
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) up serial=$serial" >> generated/logs/up.log
echo "local-demo: ${DEMO_GREETING:-hello}; cluster '$DEMO_CLUSTER_NAME' at site '$DEMO_SITE' with $DEMO_NODE_COUNT node(s), state serial $serial"
if [ "${DEMO_FAIL_AFTER_STATE:-}" = "true" ]; then
  echo "local-demo: DEMO_FAIL_AFTER_STATE=true, failing after writing state" >&2
  exit 7
fi
