"""Nothing lost: what the simulated users saved and did, compared with the database.

    python loadtest/check.py WRITES.jsonl [--stats locust_stats.csv] [--server-time FILE]
        [--server-cpu SECONDS --worker-cpu SECONDS --wall SECONDS]
        [--database-cpu SECONDS --locust-cpu SECONDS]

Fails (exit 1) on any lost write (the last value a user saved is not the stored one), any
transition recorded by a user but not logged, or logged twice, any status change that does
not follow from the one before, and any signature or stored PDF that does not verify. With
--stats it also prints the goals against Locust's figures; with --server-time (what the
locustfile gathered from the answers' Server-Timing headers) the server's CPU time per request
group; with --server-cpu and --wall the share of the machine's cores the server took, and
with --database-cpu and --locust-cpu those of the database and of Locust beside it.
"""

import argparse
import csv
import json
import os
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from assessments.models import Assessment, AssessmentEvent  # noqa: E402
from assessments.trust.integrity import verify_signatures  # noqa: E402

PREFIX = "lt-"
TRANSITIONS = {
    "submit": AssessmentEvent.Action.SUBMIT,
    "return": AssessmentEvent.Action.RETURN,
    "sign_off": AssessmentEvent.Action.SIGN_OFF,
}
# name prefix in the locustfile -> (what, p95 goal in ms)
GOALS = {"page:": ("pages", 500), "save:": ("wizard saves", 300), "pdf:": ("single PDFs", 2000)}


def same(stored: object, saved: str) -> bool:
    if isinstance(stored, Decimal):
        return stored == Decimal(saved)
    return stored == saved


def check_writes(entries: list[dict]) -> list[str]:
    problems = []
    last: dict[tuple[int, str], dict] = {}
    for entry in entries:
        if entry["kind"] == "save":
            last[entry["pk"], entry["field"]] = entry
    stored = {a.pk: a for a in Assessment.objects.filter(pk__in={pk for pk, _ in last})}
    for (pk, field), entry in sorted(last.items()):
        value = getattr(stored[pk], field)
        if not same(value, entry["value"]):
            problems.append(
                f"lost write: table {pk} {field} saved {entry['value']!r}, stored {value!r}"
            )
    return problems


def check_transitions(entries: list[dict]) -> list[str]:
    problems = []
    made = Counter(
        (e["user"], e["pk"], TRANSITIONS[e["action"]].value)
        for e in entries
        if e["kind"] == "transition"
    )
    logged = Counter(
        AssessmentEvent.objects.filter(
            actor__username__startswith=PREFIX, action__in=TRANSITIONS.values()
        ).values_list("actor__username", "assessment_id", "action")
    )
    attempts = Counter(
        (e["user"], e["pk"], TRANSITIONS[e["action"]].value)
        for e in entries
        if e["kind"] == "attempt"
    )
    answered = Counter(
        (e["user"], e["pk"], TRANSITIONS[e["action"]].value)
        for e in entries
        if e["kind"] in ("transition", "refused")
    )
    for key in sorted(set(made) | set(logged)):
        # A step whose answer had not arrived when the run stopped may or may not be done.
        unanswered = attempts[key] - answered[key]
        if not made[key] <= logged[key] <= made[key] + unanswered:
            problems.append(
                f"transition {key[2]} of table {key[1]} by {key[0]}: "
                f"made {made[key]} time(s) ({unanswered} unanswered), logged {logged[key]}"
            )
    touched = {pk for _, pk, _ in logged}
    changes = AssessmentEvent.objects.filter(assessment_id__in=touched).exclude(
        from_status="", to_status=""
    )
    previous: dict[int, str] = {}
    for event in changes.order_by("assessment_id", "created_at", "pk"):
        if event.from_status == event.to_status:
            continue
        before = previous.get(event.assessment_id)
        if before is not None and event.from_status != before:
            problems.append(
                f"double transition: table {event.assessment_id} went {event.from_status}"
                f"->{event.to_status} after reaching {before} (event {event.pk})"
            )
        previous[event.assessment_id] = event.to_status
    return problems


def print_goals(stats_csv: Path) -> list[str]:
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    misses = []
    print(f"\n{'goal':<16}{'requests':>10}{'failures':>10}{'p95 ms':>10}{'goal ms':>10}")
    for prefix, (what, goal) in GOALS.items():
        mine = [r for r in rows if r["Name"].startswith(prefix)]
        count = sum(int(r["Request Count"]) for r in mine)
        failures = sum(int(r["Failure Count"]) for r in mine)
        worst = max((float(r["95%"]) for r in mine if r["95%"] != "N/A"), default=0)
        print(f"{what:<16}{count:>10}{failures:>10}{worst:>10.0f}{goal:>10}")
        if worst > goal:
            misses.append(f"{what}: p95 {worst:.0f} ms over the goal of {goal} ms")
    return misses


def print_server_time(server_time: Path) -> None:
    """The server's CPU time per answer, by request group (the name's prefix), then by name."""
    totals = json.loads(server_time.read_text(encoding="utf-8"))
    groups: dict[str, list[float]] = {}
    for name, (count, cpu, wall) in totals.items():
        group = groups.setdefault(name.split(":")[0] + ":", [0, 0.0, 0.0])
        for index, value in enumerate((count, cpu, wall)):
            group[index] += value
    print(f"\n{'server time per answer':<30}{'answers':>9}{'CPU ms':>9}{'wall ms':>9}{'CPU s':>9}")
    rows = [(key, *values) for key, values in groups.items()]
    rows += [(f"  {name}", *values) for name, values in totals.items()]
    # Each group by its total CPU time, then its names under it.
    rows.sort(
        key=lambda row: (
            -groups[row[0].strip().split(":")[0] + ":"][1],
            row[0].startswith(" "),
            -row[2],
        )
    )
    for label, count, cpu, wall in rows:
        print(f"{label:<30}{count:>9.0f}{cpu / count:>9.1f}{wall / count:>9.1f}{cpu / 1000:>9.1f}")


def print_share(
    server_cpu: float,
    wall: float,
    worker_cpu: float | None,
    database_cpu: float | None = None,
    locust_cpu: float | None = None,
) -> None:
    cores = os.cpu_count() or 1
    share = server_cpu / (wall * cores)
    print(
        f"\nserver (gunicorn and its workers, the task worker): {server_cpu:.0f} s of CPU in "
        f"{wall:.0f} s, {share:.0%} of the {cores} cores"
    )
    if worker_cpu is not None:
        print(
            f"  of which the task worker (signed PDFs, books): {worker_cpu:.0f} s, "
            f"{worker_cpu / (wall * cores):.0%} of the cores"
        )
    # The other two on the same cores: together with the server, how close to saturated.
    others = {"PostgreSQL (all its processes)": database_cpu, "Locust (the users)": locust_cpu}
    measured = {name: cpu for name, cpu in others.items() if cpu is not None}
    for name, cpu in measured.items():
        print(f"{name}: {cpu:.0f} s of CPU, {cpu / (wall * cores):.0%} of the {cores} cores")
    if measured:
        total = server_cpu + sum(measured.values())
        print(f"together: {total:.0f} s of CPU, {total / (wall * cores):.0%} of the cores")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("writes", type=Path)
    parser.add_argument("--stats", type=Path)
    parser.add_argument("--server-time", type=Path)
    parser.add_argument("--server-cpu", type=float)
    parser.add_argument("--worker-cpu", type=float)
    parser.add_argument("--wall", type=float)
    parser.add_argument("--database-cpu", type=float)
    parser.add_argument("--locust-cpu", type=float)
    args = parser.parse_args()
    entries = [json.loads(line) for line in args.writes.read_text(encoding="utf-8").splitlines()]
    kinds = Counter(entry["kind"] for entry in entries)
    print(
        f"recorded: {kinds['save']} saves, {kinds['transition']} transitions, "
        f"{kinds['conflict']} edit conflicts and {kinds['refused']} refused steps (answered on "
        "purpose, not failures)"
    )
    problems = check_writes(entries) + check_transitions(entries)
    if not kinds["save"] or not kinds["transition"]:
        problems.append("the run saved or moved nothing: there is nothing to compare")
    report = verify_signatures()
    problems += [str(mismatch) for mismatch in report.mismatches]
    print(
        f"checked: {len({(e['pk'], e['field']) for e in entries if e['kind'] == 'save'})} "
        f"saved cells, {report.signatures} signatures, {report.pdfs} stored signed PDFs"
    )
    if args.stats:
        for miss in print_goals(args.stats):
            print(f"goal missed: {miss}")
    if args.server_time and args.server_time.exists():
        print_server_time(args.server_time)
    if args.server_cpu is not None and args.wall:
        print_share(args.server_cpu, args.wall, args.worker_cpu, args.database_cpu, args.locust_cpu)
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(f"NOTHING-LOST CHECK FAILED: {len(problems)} problem(s)")
    print("nothing lost: every saved value stored, every transition logged once, signatures verify")


if __name__ == "__main__":
    main()
