#!/usr/bin/env bash
# Vault at scale (issue 3): N credentials imported through integ, then `integ list` and `integ keys rewrap`
# end to end (cold processes through the launcher), next to plain-Java floors doing the same bulk work.
#
#   src/bench/vault.sh [N] [RUNS]        (defaults 100000 and 5; needs hyperfine, redis-server, python3)
#
# Floors (src/bench/java/VaultFloor.java), run as cold processes with the launcher's JVM flags:
#   list:   SCAN 1000 + pipelined HMGET + Tink AES-GCM decrypt
#   rewrap: the same + encrypt + pipelined HSET
# Ratios are taken between medians of the same run.
set -euo pipefail
n=${1:-100000}
runs=${2:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=$root/target/bench-vault
rm -rf "$work" && mkdir -p "$work/classes" "$work/home"
[[ -f target/integ.jar ]] || mvn -B -q package -DskipTests
mvn -B -q dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=runtime >/dev/null
deps=$(cat "$work/cp.txt")
javac -d "$work/classes" -cp "$deps" src/bench/java/VaultFloor.java

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$work/redis.pid" --logfile "$work/redis.log" --dir "$work"
trap '[[ -f $work/redis.pid ]] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true' EXIT
export HOME=$work/home XDG_CACHE_HOME=$work/home/cache INTEG_MASTER_KEY_FILE=$work/master-key.json INTEG_REDIS_URL=redis://127.0.0.1:$port

python3 "$root/src/bench/tokens.py" "$n" >"$work/tokens.jsonl"
./integ keys init >/dev/null
/usr/bin/time -f "%e s %M KiB" -o "$work/import.time" ./integ import --file "$work/tokens.jsonl" >/dev/null
./integ list -o json >/dev/null   # records the launcher's start-up archive
floor=(java -XX:+UseSerialGC -XX:-UsePerfData -Xms32m -cp "$work/classes:$deps" VaultFloor "$port" "$work/floor-keyset.json")
"${floor[@]}" load "$n" >/dev/null

hyperfine -N --style none --warmup 1 --runs "$runs" --export-json "$work/list.json" \
  -n integ_list "./integ list -o json" \
  -n floor_list "${floor[*]} list" >/dev/null
hyperfine -N --style none --warmup 1 --runs "$runs" --export-json "$work/rewrap.json" \
  -n integ_rewrap --prepare "./integ keys rotate -q" "./integ keys rewrap -q" \
  -n floor_rewrap "${floor[*]} rewrap" >/dev/null
/usr/bin/time -f "%M" -o "$work/list.rss" ./integ list -o json >/dev/null
/usr/bin/time -f "%M" -o "$work/rewrap.rss" bash -c "./integ keys rotate -q && ./integ keys rewrap -q"
/usr/bin/time -f "%M" -o "$work/floor.rss" "${floor[@]}" list >/dev/null

python3 - "$work" "$n" <<'PY'
import json, statistics, sys, pathlib
work, n = pathlib.Path(sys.argv[1]), int(sys.argv[2])
med = {}
for f in ("list", "rewrap"):
    for r in json.loads((work / f"{f}.json").read_text())["results"]:
        med[r["command"]] = statistics.median(r["times"])
rss = lambda name: int((work / f"{name}.rss").read_text().strip().splitlines()[-1]) / 1024
print(f"records: {n}; import: {(work / 'import.time').read_text().strip()}")
print("| command | median (s) | records/s | max RSS (MiB) |\n|---|---:|---:|---:|")
for name, r in [("integ_list", "list"), ("floor_list", "floor"), ("integ_rewrap", "rewrap"), ("floor_rewrap", None)]:
    print(f"| {name} | {med[name]:.2f} | {n / med[name]:,.0f} | {rss(r) if r else float('nan'):.0f} |")
print(f"\nlist / floor: {med['integ_list'] / med['floor_list']:.2f} (goal <= 1.5)")
print(f"rewrap / floor: {med['integ_rewrap'] / med['floor_rewrap']:.2f} (goal <= 1.5)")
PY
