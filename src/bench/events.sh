#!/usr/bin/env bash
# Security events at scale (issue 11), on a throwaway redis-server (no persistence):
#  1. append cost: EventAppendBench (RedisEventLog.record of a token.read, alert rules included), the jar before
#     the chain and this one each in a class loader of its own in one JVM, rounds alternating; medians, and Redis' own time
#  2. N events (default 1,000,000) over the last 89 days, loaded in both layouts: chained, through integ's own
#     append script (namespace "bench"), and the layout before the chain (namespace "old", plain XADD), then
#     cold `./integ` processes timed with hyperfine, old jar against its layout, this jar against its own:
#     a user's events over 30 days, a provider's, stats over 30 days, and (this jar) `events verify` of all N
#  3. the floor: redis-cli XRANGE of the whole chained stream
#
#   src/bench/events.sh [N] [RUNS] [APPENDS]     (defaults 1000000 5 20000; needs hyperfine, redis-server, python3)
#   OLD_REV=<commit> picks the "before" jar (default: the parent of the commit that added the chain)
set -euo pipefail
n=${1:-1000000}
runs=${2:-5}
appends=${3:-20000}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=$root/target/bench-events
mkdir -p "$work/classes" "$work/home"
old_rev=${OLD_REV:-$(git log --format=%H --diff-filter=A -1 -- src/main/java/dev/integ/events/ChainKey.java)^}
[[ -f target/integ.jar ]] || mvn -B -q package -DskipTests
if [[ ! -f $work/old.jar || $(cat "$work/old.rev" 2>/dev/null) != "$(git rev-parse "$old_rev")" ]]; then
  rm -rf "$work/old-src" && mkdir -p "$work/old-src"
  git archive "$old_rev" | tar -x -C "$work/old-src"
  (cd "$work/old-src" && mvn -B -q package -DskipTests)
  cp "$work/old-src/target/integ.jar" "$work/old.jar" && git rev-parse "$old_rev" >"$work/old.rev"
fi
javac -d "$work/classes" -cp target/integ.jar src/bench/java/EventAppendBench.java src/bench/java/EventLoader.java

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$work/redis.pid" --logfile "$work/redis.log" --dir "$work"
trap '[[ -f $work/redis.pid ]] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do :; done
export HOME=$work/home XDG_CACHE_HOME=$work/home/cache INTEG_MASTER_KEY_FILE=$work/master-key.json INTEG_REDIS_URL=redis://127.0.0.1:$port
rm -f "$INTEG_MASTER_KEY_FILE"
./integ keys init >/dev/null

echo "== append cost: old (before the chain) and new, paired in one JVM, median us per event of $appends"
java -XX:+UseSerialGC -cp "$work/classes" EventAppendBench "$port" "$work/old.jar" target/integ.jar "$appends" 9 | tee "$work/append.txt"

echo "== loading $n events twice"
java -XX:+UseSerialGC -Xmx2g -cp "target/integ.jar:$work/classes" EventLoader "$port" bench "$INTEG_MASTER_KEY_FILE" "$n" 89 chained
java -XX:+UseSerialGC -Xmx2g -cp "target/integ.jar:$work/classes" EventLoader "$port" old "$INTEG_MASTER_KEY_FILE" "$n" 89 legacy
redis-cli -p "$port" info memory | grep '^used_memory_human'
new=(./integ --namespace bench)
old=(env INTEG_JAR="$work/old.jar" ./integ --namespace old)
"${new[@]}" events --user alice --since 30d -o json | wc -l | sed 's/^/alice events over 30 days: /'
"${new[@]}" events --provider acme --since 30d -o json | wc -l | sed 's/^/acme events over 30 days: /'
"${old[@]}" events --user alice --since 30d -o json >/dev/null   # records the old jar's start-up archive

hyperfine --style none --warmup 1 --runs "$runs" --export-json "$work/queries.json" \
  -n new_user "${new[*]} events --user alice --since 30d -o json >/dev/null" \
  -n old_user "${old[*]} events --user alice --since 30d -o json >/dev/null" \
  -n new_provider "${new[*]} events --provider acme --since 30d -o json >/dev/null" \
  -n old_provider "${old[*]} events --provider acme --since 30d -o json >/dev/null" \
  -n new_stats "${new[*]} events stats --since 30d >/dev/null" \
  -n old_stats "${old[*]} events stats --since 30d >/dev/null" \
  -n new_verify_all "${new[*]} events verify >/dev/null" >/dev/null
/usr/bin/time -f "%e s" -o "$work/xrange.time" redis-cli -p "$port" XRANGE 'bench:events:{bench}:log' - + >/dev/null

python3 - "$work" "$n" <<'PY'
import json, statistics, sys, pathlib, re
work, n = pathlib.Path(sys.argv[1]), int(sys.argv[2])
print("\n" + (work / "append.txt").read_text().strip().splitlines()[-1] + "  (goal: new/old <= 1.2)")
med = {r["command"]: statistics.median(r["times"]) for r in json.loads((work / "queries.json").read_text())["results"]}
print(f"\n{n:,} events | median (s)\n|---|---:|")
for k, v in med.items():
    print(f"| {k} | {v:.2f} |")
print(f"| redis-cli XRANGE of the whole log | {(work / 'xrange.time').read_text().split()[0]} |")
PY
