#!/usr/bin/env bash
# The load test: a fresh database with the demo and generated tables, gunicorn with the
# production settings on 127.0.0.1, the background worker, Locust headless, then the
# nothing-lost check. Everything it writes goes under var/loadtest/ (git-ignored).
#
#   USERS=100 DURATION=10m DB=postgres loadtest/run.sh
#   USERS=20 DURATION=2m DB=sqlite loadtest/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

USERS=${USERS:-100}
DURATION=${DURATION:-10m}
DB=${DB:-postgres}
# Each preparer needs a unit of her own with drafts: 3000 tables give 75 such units, enough
# for 100 users (61 preparers); more users get proportionally more tables.
TABLES=${TABLES:-$(( USERS > 100 ? USERS * 30 : 3000 ))}
SPAWN_RATE=${SPAWN_RATE:-2}
# A free port of our own: another server on the machine must never be measured by mistake.
PORT=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
# gunicorn's documented starting point: (2 x cores) + 1 workers.
WORKERS=${WORKERS:-$(( 2 * $(nproc) + 1 ))}
PG_URL=${LOADTEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/jixiao_loadtest}
UV=${UV:-uv}
PY="$UV run --frozen python"

RUN=var/loadtest/$(date +%Y%m%d-%H%M%S)-$DB-${USERS}u-$DURATION
mkdir -p "$RUN"
export DJANGO_VAR_DIR=$PWD/$RUN/var
export DJANGO_DEBUG=0 DJANGO_DEMO=0 DJANGO_SECRET_KEY=load-test-only-secret-key-not-for-use
export DJANGO_ALLOWED_HOSTS=127.0.0.1 DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_HSTS_SECONDS=0
export DJANGO_EMAIL_CONSOLE=1 DJANGO_LOG_LEVEL=WARNING
# Reviewers sign in with a password only here: the test measures the work, not TOTP codes.
export DJANGO_TWO_FACTOR_REQUIRED=0
# Each answer carries the server's time over it (Server-Timing), which the report sums up.
export DJANGO_SERVER_TIMING=1
if [ "$DB" = postgres ]; then
  export DATABASE_URL=$PG_URL
  name=${PG_URL##*/}; server=${PG_URL%/*}
  psql "$server/postgres" -qc "DROP DATABASE IF EXISTS \"$name\"" -c "CREATE DATABASE \"$name\""
else
  unset DATABASE_URL
fi

echo "== data: demo + $TABLES generated tables ($DB)"
$PY manage.py migrate --no-input -v 0
$PY manage.py create_signing_key --if-missing >/dev/null  # sign-offs and signed imports need it
DJANGO_DEMO=1 $PY manage.py load_demo >/dev/null
DJANGO_DEMO=1 $PY manage.py generate_assessments "$TABLES" --years 2023-2024 >/dev/null
$PY loadtest/prepare.py "$RUN/accounts.json" --preparers $(( USERS * 6 / 10 + 1 )) \
  --reviewers $(( USERS * 2 / 10 + 1 )) --staff $(( USERS * 2 / 10 + 1 ))
$PY manage.py collectstatic --no-input -v 0

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
$UV run --frozen gunicorn config.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
  --timeout 120 --access-logfile "$RUN/access.log" --error-logfile "$RUN/gunicorn.log" &
gunicorn_pid=$!
pids+=($gunicorn_pid)
$PY manage.py run_worker --supervise -v 0 >"$RUN/worker.log" 2>&1 &
worker_pid=$!
pids+=($worker_pid)
for _ in $(seq 60); do curl -fso /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 1; done
kill -0 "$gunicorn_pid" || { echo "gunicorn did not start: $RUN/gunicorn.log" >&2; exit 1; }

# PostgreSQL on this machine: its postmaster, whose CPU time counts every backend's once the
# backend ends (cpu_seconds.py), so the database's share is printed beside the server's.
postmaster=
if [ "$DB" = postgres ]; then
  data_dir=$(psql "$server/postgres" -Atc "SHOW data_directory" 2>/dev/null || true)
  if [ -r "$data_dir/postmaster.pid" ]; then postmaster=$(head -1 "$data_dir/postmaster.pid"); fi
  [ -n "$postmaster" ] && kill -0 "$postmaster" 2>/dev/null || postmaster=
fi
db_cpu() { if [ -n "$postmaster" ]; then python3 loadtest/cpu_seconds.py "$postmaster"; fi; }

echo "== locust: $USERS users for $DURATION against gunicorn ($WORKERS workers) on $DB"
status=0
# The server's CPU time over the run: gunicorn, its workers and the task worker.
cpu_before=$(python3 loadtest/cpu_seconds.py "$gunicorn_pid" "$worker_pid")
worker_before=$(python3 loadtest/cpu_seconds.py "$worker_pid")
db_before=$(db_cpu)
started=$(date +%s.%N)
# Locust's own CPU time (bash's `time`, user + system, its children included).
TIMEFORMAT='%U %S'
{ time LOADTEST_ACCOUNTS=$RUN/accounts.json LOADTEST_WRITES=$RUN/writes.jsonl \
  LOADTEST_SERVER_TIME=$RUN/server-time.json $UV run --frozen locust -f loadtest/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
  --users "$USERS" --spawn-rate "$SPAWN_RATE" --run-time "$DURATION" --stop-timeout 30 \
  --csv "$RUN/locust" --html "$RUN/report.html" --only-summary 2>&3 || status=$?; } \
  3>&2 2>"$RUN/locust-cpu.txt"
# after - before, for two readings in seconds
since() { python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$1" "$2"; }
wall=$(since "$started" "$(date +%s.%N)")
cpu_after=$(python3 loadtest/cpu_seconds.py "$gunicorn_pid" "$worker_pid")
worker_after=$(python3 loadtest/cpu_seconds.py "$worker_pid")
db_after=$(db_cpu)
server_cpu=$(since "$cpu_before" "$cpu_after")
worker_cpu=$(since "$worker_before" "$worker_after")
locust_cpu=$(python3 -c "import sys; print(sum(map(float, sys.argv[1:])))" $(cat "$RUN/locust-cpu.txt"))
others=(--locust-cpu "$locust_cpu")
if [ -n "$db_before" ] && [ -n "$db_after" ]; then
  others+=(--database-cpu "$(since "$db_before" "$db_after")")
fi
cleanup; trap - EXIT

echo "== nothing lost"
$PY loadtest/check.py "$RUN/writes.jsonl" --stats "$RUN/locust_stats.csv" \
  --server-time "$RUN/server-time.json" --server-cpu "$server_cpu" --worker-cpu "$worker_cpu" \
  --wall "$wall" "${others[@]}" || status=1
echo "report: $RUN/report.html, CSV: $RUN/locust_*.csv"
exit $status
