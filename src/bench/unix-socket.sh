#!/usr/bin/env bash
# What a unix-socket PING costs a fresh JVM: the JDK's UnixDomainSocketAddress (integ's choice)
# against junixsocket 2.10.1, which loads a native library. Both as the launcher runs integ:
# serial GC and an AppCDS archive recorded by one run of each.
#
#   src/bench/unix-socket.sh [ROUNDS] [RUNS_PER_ROUND]      (defaults 5 and 20; needs hyperfine, redis-server)
set -euo pipefail
rounds=${1:-5}
runs=${2:-20}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$root/target/bench-unix
rm -rf "$work" && mkdir -p "$work/classes" "$work/cds"
mvn -B -q dependency:get -Dartifact=com.kohlschutter.junixsocket:junixsocket-core:2.10.1:pom >/dev/null
repo=${MAVEN_REPO:-$HOME/.m2/repository}/com/kohlschutter/junixsocket
junix=$repo/junixsocket-common/2.10.1/junixsocket-common-2.10.1.jar:$repo/junixsocket-native-common/2.10.1/junixsocket-native-common-2.10.1.jar
javac -d "$work/classes" -cp "$junix" "$root"/src/bench/java/UnixPing{Jdk,Junixsocket}.java
(cd "$work/classes" && jar cf ../probes.jar UnixPing*.class)  # class-data sharing archives classes from jars only

redis-server --port 0 --unixsocket "$work/redis.sock" --unixsocketperm 600 --save "" --appendonly no \
  --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log" --dir "$work"
trap '[[ -f $work/redis.pid ]] && kill "$(cat "$work/redis.pid")"' EXIT
for _ in $(seq 100); do [[ -S $work/redis.sock ]] && break; sleep 0.05; done

flags=(-XX:+UseSerialGC -XX:-UsePerfData -Xms32m)
declare -A cp=([jdk]=$work/probes.jar [junixsocket]=$work/probes.jar:$junix)
declare -A main=([jdk]=UnixPingJdk [junixsocket]=UnixPingJunixsocket)
args=()
for n in jdk junixsocket; do
  java "${flags[@]}" -XX:ArchiveClassesAtExit="$work/cds/$n.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off -cp "${cp[$n]}" "${main[$n]}" "$work/redis.sock" >/dev/null
  args+=(-n "$n" "java ${flags[*]} -XX:SharedArchiveFile=$work/cds/$n.jsa -Xshare:auto -Xlog:cds=off -cp ${cp[$n]} ${main[$n]} $work/redis.sock")
done
for ((r = 1; r <= rounds; r++)); do
  hyperfine -N --style none --warmup 3 --runs "$runs" --export-json "$work/round-$r.json" "${args[@]}" >/dev/null
done
python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys, pathlib
work, rounds = pathlib.Path(sys.argv[1]), int(sys.argv[2])
wall, cpu = {}, {}
for r in range(1, rounds + 1):
    for res in json.loads((work / f"round-{r}.json").read_text())["results"]:
        wall.setdefault(res["command"], []).append(statistics.median(res["times"]) * 1000)
        cpu.setdefault(res["command"], []).append((res["user"] + res["system"]) * 1000)
print("| per process | JDK UnixDomainSocketAddress | junixsocket 2.10.1 | junixsocket / JDK (median of round ratios; range) |")
print("|---|---:|---:|---:|")
for label, per in (("wall time", wall), ("CPU time (user + system)", cpu)):
    ratios = sorted(b / a for a, b in zip(per["jdk"], per["junixsocket"]))
    print(f"| {label} | {statistics.median(per['jdk']):.1f} ms | {statistics.median(per['junixsocket']):.1f} ms | {statistics.median(ratios):.2f} ({ratios[0]:.2f} to {ratios[-1]:.2f}) |")
PY
