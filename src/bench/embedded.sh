#!/usr/bin/env bash
# Embedded store start-up, before and after a change, in paired rounds.
#
#   src/bench/embedded.sh BEFORE_REV [ROUNDS] [RUNS_PER_ROUND]     (defaults 7 and 10; needs hyperfine, redis-server)
#
# Builds BEFORE_REV (e.g. the commit before the unix socket) into target/bench-embedded/before and
# this tree into target/integ.jar. Each jar gets its own HOME with its own running embedded store
# (TCP before, the unix socket after), a master key and one credential, and its own AppCDS archive
# recorded by a first real command, as a user's would be. Every round runs all commands back to back
# (hyperfine -N, 2 warm-ups each) and a ratio after/before is taken within the round; the report
# gives the medians over rounds.
set -euo pipefail
before_rev=${1:?usage: src/bench/embedded.sh BEFORE_REV [ROUNDS] [RUNS_PER_ROUND]}
rounds=${2:-7}
runs=${3:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=$root/target/bench-embedded
rm -rf "$work" && mkdir -p "$work/before"
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

git archive "$before_rev" | tar -x -C "$work/before"
(cd "$work/before" && mvn -B -q package -DskipTests)
mvn -B -q package -DskipTests
declare -A jar=([before]=$work/before/target/integ.jar [after]=$root/target/integ.jar)

run() { # SIDE ARGS...: ./integ on SIDE's jar, in SIDE's HOME
  local side=$1; shift
  env HOME="$work/home-$side" XDG_CACHE_HOME="$work/home-$side/cache" INTEG_JAR="${jar[$side]}" ./integ "$@"
}
cleanup() { for side in before after; do run "$side" store stop >/dev/null 2>&1 || true; done; }
trap cleanup EXIT

for side in before after; do
  mkdir -p "$work/home-$side"
  run "$side" store start
  run "$side" keys init >/dev/null
  echo '{"provider":"slack","user":"alice","access_token":"xoxb-bench","scopes":"chat:write"}' | run "$side" import --file - >/dev/null
  run "$side" store status >/dev/null   # records the launcher's CDS archive
done

declare -A cmd
for side in before after; do
  prefix="env HOME=$work/home-$side XDG_CACHE_HOME=$work/home-$side/cache INTEG_JAR=${jar[$side]} ./integ"
  cmd[version_$side]="$prefix --version"
  cmd[status_$side]="$prefix store status"
  cmd[token_$side]="$prefix token slack --user alice"
done
names=(version_before version_after status_before status_after token_before token_after)
for ((r = 1; r <= rounds; r++)); do
  args=()
  # alternate which side goes first, so a drift in machine load within a round favours neither
  if ((r % 2)); then order=("${names[@]}"); else order=(version_after version_before status_after status_before token_after token_before); fi
  for n in "${order[@]}"; do args+=(-n "$n" "${cmd[$n]}"); done
  hyperfine -N --style none --warmup 2 --runs "$runs" --export-json "$work/round-$r.json" "${args[@]}" >/dev/null
done

python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys, pathlib
work, rounds = pathlib.Path(sys.argv[1]), int(sys.argv[2])
wall, cpu = {}, {}
for r in range(1, rounds + 1):
    for res in json.loads((work / f"round-{r}.json").read_text())["results"]:
        wall.setdefault(res["command"], []).append(statistics.median(res["times"]) * 1000)
        cpu.setdefault(res["command"], []).append((res["user"] + res["system"]) * 1000)
# CPU time (user + system, mean of a round's runs) moves less than wall time when other work shares the cores
for label, per in (("wall time", wall), ("CPU time (user + system)", cpu)):
    print(f"\n{label}, ms: medians over {rounds} rounds\n")
    print("| command | before | after | after / before (median of round ratios) | range of round ratios |")
    print("|---|---:|---:|---:|---|")
    for c in ("version", "status", "token"):
        b, a = per[f"{c}_before"], per[f"{c}_after"]
        ratios = sorted(x / y for x, y in zip(a, b))
        print(f"| {c} | {statistics.median(b):.0f} | {statistics.median(a):.0f} | {statistics.median(ratios):.3f} | {ratios[0]:.2f} to {ratios[-1]:.2f} |")
PY
