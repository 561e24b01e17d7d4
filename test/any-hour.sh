#!/usr/bin/env bash
# The tests that read the time of day, run again with the machine's clock and time zone set to
# awkward moments (libfaketime): no test may depend on when, or in which zone, it runs.
# The instants stay within a week of today, because PostgreSQL and Redis keep the real time.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || { echo "npm run test:any-hour needs faketime: apt-get install faketime" >&2; exit 1; }
files=(test/any-hour.test.ts test/handoff.test.ts test/case-lifecycle.test.ts)
run() {
  TZ=$2 faketime -f "@$(TZ=$2 date -d "$1 UTC" '+%F %T')" npx vitest run "${files[@]}"
}
# Both at once (each run has its own database and key prefix); each one's output is shown whole.
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# 04:00 in Shanghai, on a night in America/Los_Angeles.
night="$(date -u +%F) 20:00:00"
# Saturday 23:30 in Shanghai, an hour before midnight in UTC.
saturday="$(date -u -d 'next saturday' +%F) 15:30:00"
run "$night" America/Los_Angeles >"$logs/night" 2>&1 & first=$!
run "$saturday" Asia/Kolkata >"$logs/saturday" 2>&1 & second=$!
status=0
wait "$first" || status=1
wait "$second" || status=1
echo "== machine clock at $night UTC, TZ=America/Los_Angeles"; cat "$logs/night"
echo "== machine clock at $saturday UTC, TZ=Asia/Kolkata"; cat "$logs/saturday"
exit "$status"
