#!/usr/bin/env bash
# The cost of replica acknowledgement (issue 12): a credential write with and without WAIT, against a
# throwaway local primary with one replica (both redis-server, no persistence), same JVM, same run.
#
#   src/bench/acks.sh [WRITES] [ROUNDS]     (defaults 5000 and 7; needs redis-server, python3)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=$root/target/bench-acks
rm -rf "$work" && mkdir -p "$work/classes" "$work/primary" "$work/replica"
[[ -f target/integ.jar ]] || mvn -B -q package -DskipTests
javac -d "$work/classes" -cp target/integ.jar src/bench/java/AckBench.java
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
primary=$(free_port)
replica=$(free_port)
redis-server --port "$primary" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --repl-diskless-sync-delay 0 \
  --pidfile "$work/primary/redis.pid" --logfile "$work/primary/redis.log" --dir "$work/primary"
redis-server --port "$replica" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --replicaof 127.0.0.1 "$primary" \
  --pidfile "$work/replica/redis.pid" --logfile "$work/replica/redis.log" --dir "$work/replica"
trap 'for d in primary replica; do [[ -f $work/$d/redis.pid ]] && kill "$(cat "$work/$d/redis.pid")" 2>/dev/null; done; true' EXIT
until redis-cli -p "$replica" info replication | grep -q 'master_link_status:up'; do sleep 0.1; done
java -XX:+UseSerialGC -cp "target/integ.jar:$work/classes" AckBench "$primary" "${1:-5000}" "${2:-7}"
