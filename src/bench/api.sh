#!/usr/bin/env bash
# The overhead of `integ api` over the provider's own latency: against a loopback fake that answers
# at once, `integ api slack auth.test` vs `curl` with the token from `integ token` (what a script
# would do without `integ api`), and vs curl alone with the token pasted in (the floor).
#
#   src/bench/api.sh [ROUNDS] [RUNS_PER_ROUND]      (defaults 5 and 10; needs hyperfine, curl, redis-server, python3)
#
# Paired: each round runs every command RUNS_PER_ROUND times back to back (2 warm-ups) and the ratio
# is taken within the round; the report is the median over rounds. Both integ commands read the
# same fresh credential (no refresh) and record one security event each (api.call / token.read).
set -euo pipefail
rounds=${1:-5}
runs=${2:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=$root/target/bench-api
rm -rf "$work" && mkdir -p "$work/home"
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
[[ -f target/integ.jar ]] || mvn -B -q package -DskipTests

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
api_port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$work/redis.pid" --logfile "$work/redis.log" --dir "$work"
# the fake provider: HTTP/1.1, answers every request at once with Slack's auth.test shape
python3 - "$api_port" >"$work/fake.log" 2>&1 <<'PY' &
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
BODY = b'{"ok":true,"url":"https://acme.slack.com/","team":"Acme","user":"alice","team_id":"T1","user_id":"U1"}'
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    do_GET = do_POST = answer
    def log_message(self, *a): pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
fake_pid=$!
cleanup() {
  kill "$fake_pid" 2>/dev/null || true
  [[ -f $work/redis.pid ]] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true
}
trap cleanup EXIT

export HOME=$work/home XDG_CACHE_HOME=$work/home/cache XDG_CONFIG_HOME=$work/home/config
export INTEG_MASTER_KEY_FILE=$work/master-key.json INTEG_REDIS_URL=redis://127.0.0.1:$port
mkdir -p "$XDG_CONFIG_HOME/integ"
printf 'providers:\n  slack:\n    api-base-url: http://127.0.0.1:%s/api/\n' "$api_port" >"$XDG_CONFIG_HOME/integ/config.yaml"
./integ keys init >/dev/null
echo '{"provider":"slack","user":"alice","access_token":"xoxp-bench-token","scopes":"chat:write"}' | ./integ import --file - >/dev/null
for _ in 1 2 3; do curl -fs "http://127.0.0.1:$api_port/api/auth.test" >/dev/null && break || sleep 0.5; done
# the launcher records its CDS archive on the first real command: do that before timing
./integ api slack auth.test --user alice >/dev/null
./integ token slack --user alice >/dev/null

url="http://127.0.0.1:$api_port/api/auth.test"
names=(integ_api token_then_curl curl_alone)
declare -A cmd
cmd[integ_api]="./integ api slack auth.test --user alice >/dev/null"
cmd[token_then_curl]="curl -fs -H \"Authorization: Bearer \$(./integ token slack --user alice)\" $url >/dev/null"
cmd[curl_alone]="curl -fs -H 'Authorization: Bearer xoxp-bench-token' $url >/dev/null"
for ((r = 1; r <= rounds; r++)); do
  args=()
  for n in "${names[@]}"; do args+=(-n "$n" "${cmd[$n]}"); done
  # one shell for every command (bash -c), so its start-up is on both sides of each ratio
  hyperfine --shell=bash --style none --warmup 2 --runs "$runs" --export-json "$work/round-$r.json" "${args[@]}" >/dev/null
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
print("| command | median of round medians (ms) |\n|---|---:|")
for name in per:
    print(f"| {name} | {med(name):.0f} |")
print()
print("| ratio (median over rounds) | value | goal |\n|---|---:|---:|")
print(f"| integ_api / token_then_curl | {ratio('integ_api', 'token_then_curl'):.2f} | ≤ 1.10 |")
print(f"| integ_api / curl_alone | {ratio('integ_api', 'curl_alone'):.1f} | |")
PY
