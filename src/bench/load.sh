#!/usr/bin/env bash
# Load figures (issue 12): 8 workers doing token / refresh / rate-limit checks against 10,000 stored
# credentials on one Redis server, on Sentinel (1 primary + 1 replica + 3 Sentinels) and on a 3+3 Cluster,
# through integ's own services; on Sentinel and Cluster with redis.min-replica-acks 1 and 0, alternating
# per round. The servers are throwaway redis-server processes started by the driver (the test helpers).
#
#   src/bench/load.sh [SECONDS] [ROUNDS] [TOPOLOGIES] [WORKERS] [CREDENTIALS]
#       defaults: 60 1 "standalone sentinel cluster" 8 10000   (needs redis-server on PATH)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=$root/target/bench-load
rm -rf "$work" && mkdir -p "$work/classes"
mvn -B -q package -DskipTests   # also compiles the test helpers (target/test-classes)
javac -d "$work/classes" -cp target/integ.jar:target/test-classes src/bench/java/LoadBench.java
for topology in ${3:-standalone sentinel cluster}; do
  java -XX:+UseSerialGC -Xmx1g -cp "target/integ.jar:target/test-classes:$work/classes" LoadBench "$topology" "${1:-60}" "${2:-1}" \
    "${4:-8}" "${5:-10000}"
done
