#!/usr/bin/env bash
# Runs the demo as three stateless instances on PostgreSQL and Redis behind
# HAProxy (`task cluster`), and prints the URL. Ctrl-C stops everything.
#
# It needs the local services of the second deployment shape: PostgreSQL
# (it creates the database fiberfn_demo there once) and Redis, and Debian's
# haproxy. Settings, all optional:
#   CLUSTER_ADDR        where HAProxy listens      (127.0.0.1:8080)
#   CLUSTER_PORTS       the instances' ports       (3001 3002 3003)
#   CLUSTER_DB_URL      the demo's database        (postgres://postgres@127.0.0.1:5432/fiberfn_demo?sslmode=disable)
#   FIBERFN_POSTGRES_URL an admin URL to create it (postgres://postgres@127.0.0.1:5432/test?sslmode=disable)
#   FIBERFN_REDIS_URL   Redis                      (redis://127.0.0.1:6379/0)
#   FIBERFN_DEMO_SECRET the shared signing keys, comma-separated (default:
#                       a key made once and kept in data/cluster.secret)
set -euo pipefail
cd "$(dirname "$0")/.."

addr="${CLUSTER_ADDR:-127.0.0.1:8080}"
read -r -a ports <<<"${CLUSTER_PORTS:-3001 3002 3003}"
admin_url="${FIBERFN_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
db_url="${CLUSTER_DB_URL:-postgres://postgres@127.0.0.1:5432/fiberfn_demo?sslmode=disable}"
redis_url="${FIBERFN_REDIS_URL:-redis://127.0.0.1:6379/0}"

for tool in haproxy psql redis-cli; do
  command -v "$tool" >/dev/null || { echo "cluster: $tool is missing (apt-get install haproxy postgresql-client redis-tools)" >&2; exit 1; }
done
if [ "${#ports[@]}" -ne 3 ]; then
  echo "cluster: CLUSTER_PORTS must name three ports (deploy/haproxy.cfg has three servers)" >&2
  exit 1
fi
redis-cli -u "$redis_url" ping >/dev/null || { echo "cluster: Redis at $redis_url does not answer" >&2; exit 1; }

db_name="$(sed -E 's#^[a-z]+://[^/]*/([^?]*).*#\1#' <<<"$db_url")"
if ! psql "$admin_url" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1; then
  echo "cluster: creating database $db_name"
  psql "$admin_url" -qc "CREATE DATABASE \"$db_name\""
fi

mkdir -p data
if [ -z "${FIBERFN_DEMO_SECRET:-}" ]; then
  [ -s data/cluster.secret ] || head -c 32 /dev/urandom | base64 >data/cluster.secret
  FIBERFN_DEMO_SECRET="$(cat data/cluster.secret)"
fi
export FIBERFN_DEMO_SECRET

bin="data/demo-cluster"
echo "cluster: building the demo"
go build -o "$bin" ./demo

pids=()
stopping=""
stop() {
  trap - INT TERM EXIT
  stopping=1
  echo
  echo "cluster: stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

i=0
for port in "${ports[@]}"; do
  i=$((i + 1))
  "$bin" -addr "127.0.0.1:$port" -db "$db_url" -redis "$redis_url" \
    -trusted-proxies 127.0.0.1 -instance "app$i" \
    >"data/cluster-app$i.log" 2>&1 &
  pids+=("$!")
done

FRONT_ADDR="$addr" APP1="127.0.0.1:${ports[0]}" APP2="127.0.0.1:${ports[1]}" APP3="127.0.0.1:${ports[2]}" \
  STATS_ADDR="${CLUSTER_STATS_ADDR:-127.0.0.1:8404}" \
  haproxy -db -f deploy/haproxy.cfg >data/cluster-haproxy.log 2>&1 &
pids+=("$!")

echo "cluster: 3 instances (logs in data/cluster-app{1,2,3}.log) on $db_name and Redis, behind HAProxy"
echo "cluster: open http://$addr   (HAProxy stats: http://${CLUSTER_STATS_ADDR:-127.0.0.1:8404})"
echo "cluster: Ctrl-C stops everything"
wait -n "${pids[@]}" || true
[ -n "$stopping" ] || echo "cluster: a process exited; see data/cluster-*.log"
