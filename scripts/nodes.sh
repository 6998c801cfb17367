#!/usr/bin/env bash
# Several Hutong nodes against one PostgreSQL behind HAProxy (issue 18 §2).
#
#   DATABASE_URL=postgres://… HUTONG_VAULT_KEY=… HUTONG_ADMIN_KEY=… scripts/nodes.sh start 3
#   scripts/nodes.sh stop
#
# Starts node 1 with the sandbox world, then nodes 2…N pointed at node 1's card acquirer (one card
# world, so what the issuers charged can be checked once), one after the other so that migrations and
# first-start seeding run once; then HAProxy (Debian package `haproxy`) on LB_PORT, round robin,
# health-checked on /healthz, retrying only connections that never reached a node. Every node runs the
# timers, the webhook dispatcher and the recovery sweep: they claim work with FOR UPDATE SKIP LOCKED
# and leases, so each job runs once across the nodes (see docs/scaling.md, "Several nodes").
#
# Settings (environment): LB_PORT (4000), NODE_BASE_PORT (4101: node i listens on base+i-1),
# HUTONG_NODES_DIR (data/nodes: logs, pids, haproxy.cfg), HUTONG_BIN (./bin/hutong.js),
# HUTONG_NODE_ARGS (extra arguments to `hutong start`, e.g. --no-demo).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${HUTONG_NODES_DIR:-data/nodes}
lb_port=${LB_PORT:-4000}
base_port=${NODE_BASE_PORT:-4101}
bin=${HUTONG_BIN:-./bin/hutong.js}

wait_healthy() { # url seconds
  local url=$1 deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null "$url"; do
    if ((SECONDS > deadline)); then echo "nodes.sh: $url did not become healthy" >&2; return 1; fi
    sleep 0.3
  done
}

start() {
  local count=${1:?usage: nodes.sh start N}
  [[ $count =~ ^[1-9][0-9]?$ ]] || { echo "nodes.sh: N must be 1–99, got $count" >&2; exit 2; }
  [[ ${DATABASE_URL:-} == postgres* ]] || { echo "nodes.sh: DATABASE_URL must be a PostgreSQL URL (nodes share one database)" >&2; exit 2; }
  [[ -n ${HUTONG_VAULT_KEY:-} ]] || { echo "nodes.sh: HUTONG_VAULT_KEY must be set (every node seals cards with the same key)" >&2; exit 2; }
  command -v haproxy >/dev/null || { echo "nodes.sh: haproxy is not installed (apt-get install haproxy)" >&2; exit 2; }
  mkdir -p "$dir"
  local acquirer=${HUTONG_ACQUIRER_HOST:-} acquirer_port=${HUTONG_ACQUIRER_PORT:-}
  local servers=""
  for i in $(seq 1 "$count"); do
    local port=$((base_port + i - 1))
    echo "nodes.sh: starting node $i on 127.0.0.1:$port" >&2
    (
      export PORT=$port HUTONG_PUBLIC_URL="http://127.0.0.1:$lb_port"
      if [[ -n $acquirer ]]; then export HUTONG_ACQUIRER_HOST=$acquirer HUTONG_ACQUIRER_PORT=$acquirer_port; fi
      # shellcheck disable=SC2086
      exec setsid "$bin" start ${HUTONG_NODE_ARGS:-}
    ) >"$dir/node-$i.log" 2>&1 &
    echo $! >"$dir/node-$i.pid"
    wait_healthy "http://127.0.0.1:$port/healthz" 120
    if [[ -z $acquirer ]]; then
      # Node 1 started the sandbox card world: the other nodes use its acquirer.
      local line
      line=$(grep -m1 -o 'Card acquirer (ISO 8583 over TCP) *[0-9.]*:[0-9]*' "$dir/node-1.log" | grep -o '[0-9.]*:[0-9]*$' || true)
      [[ -n $line ]] || { echo "nodes.sh: node 1 did not print its card acquirer" >&2; exit 1; }
      acquirer=${line%:*} acquirer_port=${line##*:}
    fi
    servers+="  server n$i 127.0.0.1:$port check"$'\n'
  done
  cat >"$dir/haproxy.cfg" <<CFG
global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  # Retry (on another node) only what never reached a node: a POST that did reach one is the
  # client's to retry, with its Idempotency-Key.
  retries 2
  option redispatch
  retry-on conn-failure
frontend api
  bind 127.0.0.1:$lb_port
  default_backend hutong
backend hutong
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
  default-server inter 500ms fall 2 rise 2
$servers
CFG
  haproxy -c -q -f "$dir/haproxy.cfg"
  haproxy -D -f "$dir/haproxy.cfg" -p "$dir/haproxy.pid"
  wait_healthy "http://127.0.0.1:$lb_port/healthz" 30
  echo "nodes.sh: $count nodes behind http://127.0.0.1:$lb_port (logs in $dir)" >&2
}

stop() {
  [[ -d $dir ]] || exit 0
  if [[ -f $dir/haproxy.pid ]]; then kill "$(cat "$dir/haproxy.pid")" 2>/dev/null || true; rm -f "$dir/haproxy.pid"; fi
  for pidfile in "$dir"/node-*.pid; do
    [[ -f $pidfile ]] || continue
    kill -TERM -- "-$(cat "$pidfile")" 2>/dev/null || kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

case ${1:-} in
  start) shift; start "$@" ;;
  stop) stop ;;
  *) echo "usage: scripts/nodes.sh start N | stop" >&2; exit 2 ;;
esac
