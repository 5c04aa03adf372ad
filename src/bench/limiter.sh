#!/usr/bin/env bash
# Rate-limiter throughput (issue 5): integ's GCRA check next to PING and a trivial EVALSHA, same JVM,
# same run, one connection and 8 threads, against a throwaway redis-server.
#
#   src/bench/limiter.sh [CHECKS] [ROUNDS]     (defaults 50000 and 5)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=$root/target/bench-limiter
rm -rf "$work" && mkdir -p "$work/classes"
[[ -f target/integ.jar ]] || mvn -B -q package -DskipTests
javac -d "$work/classes" -cp target/integ.jar src/bench/java/LimiterBench.java
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$work/redis.pid" --logfile "$work/redis.log" --dir "$work"
trap '[[ -f $work/redis.pid ]] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true' EXIT
java -XX:+UseSerialGC -cp "target/integ.jar:$work/classes" LimiterBench "$port" "${1:-50000}" "${2:-5}"
