#!/usr/bin/env bash
# Instructions the server executes per request, which do not change with the machine's speed
# as its CPU time does: bench_requests.py run under valgrind (callgrind) twice per request,
# with 10 and 30 repeats; the difference over the 20 extra runs is one request's count. A
# request that reads its form first (live:, save:) counts that page too.
#
#   DJANGO_VAR_DIR=var/loadtest/<run>/var loadtest/instructions.sh var/loadtest/<run>/accounts.json \
#       page:list page:detail …
#
# Needs Debian's valgrind. Sessions are refreshed once in ten days here, so that a refresh
# (a write, once a minute by default) does not fall into one of the two runs only.
set -euo pipefail
cd "$(dirname "$0")"
accounts=$(realpath "$1"); shift
python=$(cd .. && pwd)/.venv/bin/python  # the link itself: its folder makes the environment
count() {
  DJANGO_SESSION_IDLE_SECONDS=864000 PYTHONHASHSEED=0 valgrind --tool=callgrind \
    --callgrind-out-file=/dev/null "$python" bench_requests.py "$accounts" --only "$1" \
    --repeat "$2" 2>&1 >/dev/null | awk '/Collected/ {print $4}'
}
for name in "$@"; do
  few=$(count "$name" 10)
  many=$(count "$name" 30)
  awk -v name="$name" -v few="$few" -v many="$many" \
    'BEGIN { printf "%s: %.1f million instructions a request\n", name, (many - few) / 20 / 1e6 }'
done
