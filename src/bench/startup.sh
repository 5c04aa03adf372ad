#!/usr/bin/env bash
# Start-up benchmark: integ against floors measured in the same run, on the same JVM.
#
#   src/bench/startup.sh [ROUNDS] [RUNS_PER_ROUND]      (defaults 5 and 10; needs hyperfine and redis-server)
#
# The machine is noisy, so commands are measured in ROUNDS: each round runs every command
# RUNS_PER_ROUND times back to back (hyperfine -N, 2 warm-ups), and a ratio is taken within each
# round. The report gives the median over rounds of each command's median and of each ratio.
# "tuned" floors get what the ./integ launcher gives integ: the same JVM flags and an AppCDS archive.
set -euo pipefail
rounds=${1:-5}
runs=${2:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=$root/target/bench
rm -rf "$work" && mkdir -p "$work/classes" "$work/cds"
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
[[ -f target/integ.jar ]] || mvn -B -q package -DskipTests

mvn -B -q dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=runtime >/dev/null
deps=$(cat "$work/cp.txt")
javac -d "$work/classes" -cp "$deps" src/bench/java/{EmptyMain,PicocliHello,StoreStatusProbe,JedisTinkProbe}.java
picocli=$(tr ':' '\n' <"$work/cp.txt" | grep '/picocli-')
(cd "$work/classes" && jar cf ../empty.jar EmptyMain.class && jar cf ../hello.jar PicocliHello*.class \
  && jar cf ../probe.jar StoreStatusProbe.class JedisTinkProbe.class)

# A throwaway Redis for the round-trip commands; the embedded store gets its own private HOME.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$work/redis.pid" --logfile "$work/redis.log" --dir "$work"
export HOME=$work/home XDG_CACHE_HOME=$work/home/cache
mkdir -p "$HOME"
cleanup() {
  ./integ store stop >/dev/null 2>&1 || true
  [[ -f $work/redis.pid ]] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true
}
trap cleanup EXIT

java=$(command -v java)
flags=(-XX:+UseSerialGC -XX:-UsePerfData -Xms32m)
tuned() { # NAME CLASSPATH MAIN ARGS...: prints a command using a CDS archive trained by one run
  local name=$1 cp=$2 main=$3; shift 3
  "$java" "${flags[@]}" -XX:ArchiveClassesAtExit="$work/cds/$name.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off -cp "$cp" "$main" "$@" >/dev/null
  echo "$java ${flags[*]} -XX:SharedArchiveFile=$work/cds/$name.jsa -Xshare:auto -Xlog:cds=off -cp $cp $main $*"
}

declare -A cmd
cmd[empty_main]="$java -cp $work/empty.jar EmptyMain"
cmd[picocli_hello]="$java -cp $work/hello.jar:$picocli PicocliHello --version"
cmd[picocli_hello_tuned]=$(tuned hello "$work/hello.jar:$picocli" PicocliHello --version)
cmd[status_probe_tuned]=$(tuned status "$work/probe.jar:$deps" StoreStatusProbe "$port")
cmd[jedis_tink_probe_tuned]=$(tuned tink "$work/probe.jar:$deps" JedisTinkProbe "$port")
cmd[integ_version]="./integ --version"
cmd[integ_version_no_cds]="env INTEG_CDS=off ./integ --version"
cmd[integ_store_status]="./integ store status --redis redis://127.0.0.1:$port"
cmd[integ_doctor_embedded]="./integ doctor"
# a vault read: keyset (HGETALL) + record (HMGET) + master key file + Tink decrypt
export INTEG_MASTER_KEY_FILE=$work/master-key.json
./integ keys init --redis "redis://127.0.0.1:$port" >/dev/null
echo '{"provider":"slack","user":"alice","access_token":"xoxb-bench","scopes":"chat:write"}' \
  | ./integ import --file - --redis "redis://127.0.0.1:$port" >/dev/null
cmd[integ_show]="./integ show slack --user alice --redis redis://127.0.0.1:$port"
# the scripts' hot path: a fresh token read (vault read + token.read event with the user's HMAC)
cmd[integ_token]="./integ token slack --user alice --redis redis://127.0.0.1:$port"
# integ's launcher records its archive on the first real command; do that before timing.
./integ store status --redis "redis://127.0.0.1:$port" >/dev/null
./integ doctor >/dev/null

names=(empty_main picocli_hello picocli_hello_tuned integ_version integ_version_no_cds
       status_probe_tuned jedis_tink_probe_tuned integ_store_status integ_show integ_token integ_doctor_embedded)
for ((r = 1; r <= rounds; r++)); do
  args=()
  for n in "${names[@]}"; do args+=(-n "$n" "${cmd[$n]}"); done
  hyperfine -N --style none --warmup 2 --runs "$runs" --export-json "$work/round-$r.json" "${args[@]}" >/dev/null
done
for n in "${names[@]}"; do
  /usr/bin/time -f "%M" -o "$work/rss-$n.txt" ${cmd[$n]} >/dev/null 2>&1 || true
done

python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys, pathlib
work, rounds = pathlib.Path(sys.argv[1]), int(sys.argv[2])
per = {}
for r in range(1, rounds + 1):
    for res in json.loads((work / f"round-{r}.json").read_text())["results"]:
        per.setdefault(res["command"], []).append(statistics.median(res["times"]) * 1000)
def med(name): return statistics.median(per[name])
def ratio(a, b): return statistics.median(x / y for x, y in zip(per[a], per[b]))
print(f"| command | median of round medians (ms) | max RSS (MiB) |\n|---|---:|---:|")
for name in per:
    rss = (work / f"rss-{name}.txt").read_text().strip().splitlines()[-1]
    print(f"| {name} | {med(name):.0f} | {int(rss) / 1024:.0f} |")
print()
print("| ratio (median over rounds) | value | goal |\n|---|---:|---:|")
for a, b, goal in [("integ_version", "picocli_hello_tuned", "≤ 1.20"), ("integ_version", "picocli_hello", ""),
                   ("integ_store_status", "jedis_tink_probe_tuned", "≤ 1.25"), ("integ_store_status", "status_probe_tuned", ""),
                   ("integ_show", "jedis_tink_probe_tuned", ""), ("integ_token", "jedis_tink_probe_tuned", ""),
                   ("integ_token", "integ_show", ""),
                   ("integ_version_no_cds", "picocli_hello", "")]:
    print(f"| {a} / {b} | {ratio(a, b):.2f} | {goal} |")
PY
