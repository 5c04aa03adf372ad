#!/usr/bin/env bash
# Paired before/after runs of `list` and `keys rewrap` on one throwaway Redis (issue 10):
#
#   src/bench/vault-pairs.sh OLD_INTEG NEW_INTEG [N] [ROUNDS]     (defaults 100000 and 6)
#
# OLD_INTEG and NEW_INTEG are ./integ launchers of two built checkouts (e.g. a `git worktree` of the
# previous commit). N generated credentials are imported once (by NEW); then each round runs, for
# OLD then NEW: `keys rotate` (so the rewrap re-encrypts all N), `keys rewrap` with Redis' command
# stats reset before it, and `list -o json`. Prints the medians and new/old ratios.
set -euo pipefail
old=$1 new=$2 n=${3:-100000} rounds=${4:-6}
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$work/redis.pid" --logfile "$work/redis.log" --dir "$work"
trap 'kill "$(cat "$work/redis.pid")" 2>/dev/null || true; rm -rf "$work"' EXIT
export HOME=$work/home XDG_CACHE_HOME=$work/home/cache INTEG_MASTER_KEY_FILE=$work/master-key.json INTEG_REDIS_URL=redis://127.0.0.1:$port
mkdir -p "$HOME"
python3 "$(dirname "$0")/tokens.py" "$n" >"$work/tokens.jsonl"
"$new" keys init >/dev/null
"$new" import --file "$work/tokens.jsonl" >/dev/null
"$old" list -o json >/dev/null && "$new" list -o json >/dev/null   # start-up archives
for ((r = 0; r < rounds; r++)); do
  for side in old new; do
    bin=${!side}
    "$bin" keys rotate -q
    redis-cli -p "$port" config resetstat >/dev/null
    /usr/bin/time -f "$side rewrap %e %U" -a -o "$work/times" "$bin" keys rewrap -q
    redis-cli -p "$port" info commandstats | sed -n "s/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/$side redis_us_per_write \1/p" >>"$work/times"
    /usr/bin/time -f "$side list %e %U" -a -o "$work/times" "$bin" list -o json >/dev/null
  done
done
python3 - "$work/times" <<'PY'
import collections, statistics, sys
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    p = line.split()
    if p[1] == "redis_us_per_write":
        d[(p[1], p[0])].append(float(p[2]))
    else:
        d[(p[1] + " wall s", p[0])].append(float(p[2])); d[(p[1] + " user s", p[0])].append(float(p[3]))
print("| | old median | new median | new / old |\n|---|---:|---:|---:|")
for what in sorted({k[0] for k in d}):
    o, n = statistics.median(d[(what, "old")]), statistics.median(d[(what, "new")])
    print(f"| {what} | {o:.2f} | {n:.2f} | {n / o:.2f} |")
PY
