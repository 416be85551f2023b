"""The server's time per request on the load test's data, one request at a time.

    DJANGO_VAR_DIR=var/loadtest/<run>/var python loadtest/bench_requests.py \\
        var/loadtest/<run>/accounts.json [--repeat 50]

(or DATABASE_URL for a PostgreSQL run). The settings are the load test's (production mode,
no two-factor step); requests go through Django's test client in this process, the whole
middleware stack included, in a process started as the web server's (config.wsgi), so that
what is measured is the server's work alone: the CPU time of this thread and the wall-clock
time per request (median and 90th percentile over `--repeat` runs, after three unmeasured
ones), and the number of queries. On a PostgreSQL
on this machine it also prints the CPU time of the connection's backend process per request
(the mean over the runs: the kernel counts it in hundredths of a second). The save changes
the outcome of the first preparer's first draft each time.
"""

import argparse
import importlib
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
for name, value in {
    "DJANGO_DEBUG": "0",
    "DJANGO_DEMO": "0",
    "DJANGO_SECRET_KEY": "load-test-only-secret-key-not-for-use",
    "DJANGO_ALLOWED_HOSTS": "testserver",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_HSTS_SECONDS": "0",
    "DJANGO_EMAIL_CONSOLE": "1",
    "DJANGO_LOG_LEVEL": "WARNING",
    "DJANGO_TWO_FACTOR_REQUIRED": "0",
}.items():
    os.environ.setdefault(name, value)

# Started as the web server starts (config.wsgi): with what it loads set aside from garbage
# collection.
importlib.import_module("config.wsgi")

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from html_forms import form_with  # noqa: E402


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def backend_cpu():
    """A function giving the CPU seconds of this connection's PostgreSQL backend so far, when
    the database runs on this machine; None otherwise."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    if not stat.exists():
        return None
    ticks = os.sysconf("SC_CLK_TCK")

    def seconds() -> float:
        # utime and stime, the 14th and 15th fields; the name before them may hold spaces.
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    return seconds


def measure(request, repeat: int, before=None) -> tuple[list[float], list[float], int, float]:
    """CPU and wall milliseconds of each run of request(), its queries (one more run) and the
    database backend's mean CPU milliseconds per run (NaN when it cannot be read)."""
    for _ in range(3):
        _check(request(before() if before else None))
    database = backend_cpu()
    database_started = database() if database else 0.0
    cpu, wall = [], []
    for _ in range(repeat):
        prepared = before() if before else None
        started_cpu, started = time.thread_time(), time.perf_counter()
        _check(request(prepared))
        cpu.append((time.thread_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    database_ms = (database() - database_started) * 1000 / repeat if database else math.nan
    prepared = before() if before else None
    with CaptureQueriesContext(connection) as queries:
        _check(request(prepared))
    return cpu, wall, len(queries), database_ms


def _check(response) -> None:
    if response.status_code not in (200, 302):
        raise SystemExit(f"{response.request['PATH_INFO']}: HTTP {response.status_code}")


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("accounts", type=Path)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--only", help="one request, by its name (page:list, save:actuals …)")
    args = parser.parse_args()
    accounts = json.loads(args.accounts.read_text(encoding="utf-8"))
    preparer = accounts["preparers"][0]
    pk = preparer["drafts"][0]
    year = accounts["year"]
    filling = signed_in(preparer["username"])
    staff = signed_in(accounts["staff"][0]["username"])
    reviewer = signed_in(accounts["reviewers"][0]["username"])
    step = f"/assessments/{pk}/edit/actuals/"
    submitted = f"/assessments/?status=submitted&year={year}"
    counter = iter(range(10**9))

    def fresh_form():
        form = form_with(filling.get(step).content.decode(), "version")
        return {**form, "outcome": f"年度目标基本完成（{next(counter)}）"}

    cases = [
        ("page:list", lambda _: filling.get("/assessments/"), None),
        ("page:detail", lambda _: filling.get(f"/assessments/{pk}/"), None),
        ("page:wizard actuals", lambda _: filling.get(step), None),
        ("live:actuals", lambda form: filling.post(f"{step}live/", form), fresh_form),
        ("save:actuals", lambda form: filling.post(step, form), fresh_form),
        ("page:list submitted", lambda _: reviewer.get(submitted), None),
        ("page:list filtered", lambda _: staff.get(f"/assessments/?year={year}"), None),
        ("page:summary", lambda _: staff.get("/assessments/summary/"), None),
    ]
    if args.only:
        cases = [case for case in cases if case[0] == args.only]
        if not cases:
            raise SystemExit(f"没有这个请求：{args.only}")
    print(
        f"{'request':<24}{'CPU ms':>9}{'p90':>8}{'wall ms':>9}{'p90':>8}{'queries':>9}"
        f"{'db CPU ms':>11}"
    )
    for name, request, before in cases:
        cpu, wall, queries, database_ms = measure(request, args.repeat, before)
        database = "" if math.isnan(database_ms) else f"{database_ms:.1f}"
        print(
            f"{name:<24}{statistics.median(cpu):>9.1f}{p90(cpu):>8.1f}"
            f"{statistics.median(wall):>9.1f}{p90(wall):>8.1f}{queries:>9}{database:>11}"
        )


if __name__ == "__main__":
    main()
