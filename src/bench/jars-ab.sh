#!/usr/bin/env bash
# Paired start-up comparison of integ jars built from different commits (or with different contents).
#
#   src/bench/jars-ab.sh ROUNDS RUNS NAME=JAR [NAME=JAR ...]      (needs hyperfine and redis-server)
#
# Every jar runs the same commands through ./integ (INTEG_JAR, each with its own AppCDS archive,
# recorded before timing), interleaved in one hyperfine call per round, so the machine's drift hits
# every jar alike; keep rounds short (few runs) and many when the machine is busy. The report gives
# each command's median over rounds and, against the first jar, the median over rounds of the
# per-round ratio, for wall time and for CPU time (user + system: the work done, which other load on
# the machine disturbs less than the wall time). JAVA_HOME picks the JVM, as for ./integ.
#
#   version        ./integ --version
#   token          ./integ token slack --user alice: a fresh token (vault read, token.read event)
#   token_missing  ./integ token slack --user nobody: exit 3, so an error line goes to stderr
#
# hyperfine connects stdout and stderr to /dev/null: no stream is a terminal, as for a script.
set -euo pipefail
rounds=${1:?rounds}
runs=${2:?runs per round}
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=$root/target/bench-ab
rm -rf "$work" && mkdir -p "$work/jars"
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

names=()
for spec in "$@"; do
  name=${spec%%=*}
  cp "${spec#*=}" "$work/jars/$name.jar"
  names+=("$name")
done

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$work/redis.pid" --logfile "$work/redis.log" --dir "$work"
trap '[[ -f $work/redis.pid ]] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true' EXIT
export HOME=$work/home XDG_CACHE_HOME=$work/home/cache INTEG_MASTER_KEY_FILE=$work/master-key.json
export INTEG_REDIS_URL=redis://127.0.0.1:$port
mkdir -p "$HOME"
INTEG_JAR=$work/jars/${names[0]}.jar ./integ keys init >/dev/null
echo '{"provider":"slack","user":"alice","access_token":"xoxb-bench","scopes":"chat:write"}' \
  | INTEG_JAR=$work/jars/${names[0]}.jar ./integ import --file - >/dev/null

declare -A cmd
commands=(version token token_missing)
for n in "${names[@]}"; do
  jar=$work/jars/$n.jar
  INTEG_JAR=$jar ./integ token slack --user alice >/dev/null # records this jar's archive
  cmd[$n/version]="env INTEG_JAR=$jar ./integ --version"
  cmd[$n/token]="env INTEG_JAR=$jar ./integ token slack --user alice"
  cmd[$n/token_missing]="env INTEG_JAR=$jar ./integ token slack --user nobody"
done

for ((r = 1; r <= rounds; r++)); do
  args=()
  for c in "${commands[@]}"; do
    for n in "${names[@]}"; do args+=(-n "$n/$c" "${cmd[$n/$c]}"); done
  done
  hyperfine -N -i --style none --warmup 1 --runs "$runs" --export-json "$work/round-$r.json" "${args[@]}" >/dev/null
done
ls -l "$work"/jars/*.jar | awk '{print $5, $NF}' >"$work/sizes.txt"

python3 - "$work" "$rounds" "${names[@]}" <<'PY'
import json, statistics, sys, pathlib
work, rounds, names = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
per, cpu = {}, {}
for r in range(1, rounds + 1):
    for res in json.loads((work / f"round-{r}.json").read_text())["results"]:
        per.setdefault(res["command"], []).append(statistics.median(res["times"]) * 1000)
        cpu.setdefault(res["command"], []).append((res["user"] + res["system"]) * 1000)
sizes = {pathlib.Path(p).stem: int(s) for s, p in (l.split() for l in (work / "sizes.txt").read_text().splitlines())}
print("| jar | size (bytes) |\n|---|---:|")
for n in names:
    print(f"| {n} | {sizes[n]:,} |")
print()
for label, data in (("wall", per), ("CPU", cpu)):
    print()
    print(f"| {label} | " + " | ".join(f"{n} (ms)" for n in names) + " | " + " | ".join(f"{n} / {names[0]}" for n in names[1:]) + " |")
    print("|---|" + "---:|" * (2 * len(names) - 1))
    for c in ("version", "token", "token_missing"):
        meds = [f"{statistics.median(data[f'{n}/{c}']):.0f}" for n in names]
        ratios = [f"{statistics.median(a / b for a, b in zip(data[f'{n}/{c}'], data[f'{names[0]}/{c}'])):.3f}" for n in names[1:]]
        print(f"| {c} | " + " | ".join(meds) + " | " + " | ".join(ratios) + " |")
PY
