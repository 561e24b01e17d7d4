#!/usr/bin/env bash
# The tests that read the time of day, run again with the machine's clock and time zone set to
# awkward moments (libfaketime): no test may depend on when, or in which zone, it runs.
# The instants stay within a week of today, because PostgreSQL and Redis keep the real time.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || { echo "npm run test:any-hour needs faketime: apt-get install faketime" >&2; exit 1; }
files=(test/any-hour.test.ts test/handoff.test.ts test/case-lifecycle.test.ts)
run() {
  echo "== machine clock at $1 UTC, TZ=$2"
  TZ=$2 faketime -f "@$(TZ=$2 date -d "$1 UTC" '+%F %T')" npx vitest run "${files[@]}"
}
# 04:00 in Shanghai, on a night in America/Los_Angeles.
run "$(date -u +%F) 20:00:00" America/Los_Angeles
# Saturday 23:30 in Shanghai, an hour before midnight in UTC.
run "$(date -u -d 'next saturday' +%F) 15:30:00" Asia/Kolkata
