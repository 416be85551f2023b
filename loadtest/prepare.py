"""Accounts for the load test, over the demo and `generate_assessments` data.

Each simulated preparer gets a unit of her own with drafts to work on, reviewers and
department staff a department each. Writes the accounts as JSON for the locustfile.

    python loadtest/prepare.py OUT.json --preparers 60 --reviewers 20 --staff 20
"""

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.utils import timezone  # noqa: E402

from assessments.models import (  # noqa: E402
    Assessment,
    Deadline,
    Membership,
    Organisation,
    ReportingYear,
    Signature,
)
from assessments.paper import stored  # noqa: E402

PASSWORD = "load-test-2026"
PREFIX = "lt-"
# Rows on the first page of the assessment list (AssessmentListView.table_pagination).
LIST_PAGE = 50
# Signed PDFs stored per round: each round's PDFs are held in memory until stored.
STORE_ROUND = 200


def store_signed_pdfs(year: ReportingYear, departments: list[int]) -> int:
    """The stored PDF of every signed table the run's books and downloads read: the year's,
    and the first page of each department's list of signed tables (any year). A sign-off
    stores its PDF at once (the worker's task), so in the deadline week every table signed
    before has one; generated tables come without, and the run would lay them out on first
    download."""
    signed_off = Assessment.objects.self_assessments().filter(status=Assessment.Status.SIGNED_OFF)
    first_pages = [
        pk
        for department in departments
        for pk in signed_off.filter(project__unit__parent_id=department)
        .order_by("-updated_at", "-pk")
        .values_list("pk", flat=True)[:LIST_PAGE]
    ]
    signed = signed_off.filter(
        Q(project__unit__parent_id__in=departments, year=year) | Q(pk__in=first_pages)
    ).order_by("pk")
    missing = [s for s in Signature.objects.in_force(list(signed)) if s is not None and not s.pdf]
    for start in range(0, len(missing), STORE_ROUND):
        stored.store_signed_pdfs(missing[start : start + STORE_ROUND])
    return len(missing)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    parser.add_argument("--preparers", type=int, default=60)
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--staff", type=int, default=20)
    args = parser.parse_args()

    year = ReportingYear.objects.order_by("-year").first()
    assert year is not None, "no data: run load_demo and generate_assessments first"
    editable = (Assessment.Status.DRAFT, Assessment.Status.RETURNED)
    units = (
        Organisation.objects.filter(kind=Organisation.Kind.UNIT, parent__isnull=False)
        .filter(projects__assessments__year=year, projects__assessments__status__in=editable)
        .distinct()
        .order_by("pk")[: args.preparers]
    )
    units = list(units)
    if len(units) < args.preparers:
        sys.exit(f"only {len(units)} units have drafts in {year.year}; generate more tables")
    # The deadline week of the year worked on: open, entry closing in a week, review a week
    # later (generated years are closed, and a closed year is read-only).
    week = timezone.localdate() + datetime.timedelta(days=7)
    ReportingYear.objects.filter(pk=year.pk).update(is_open=True)
    ReportingYear.objects.filter(is_open=True).update(deadline=week)
    Deadline.objects.update(entry_due=week, review_due=week + datetime.timedelta(days=7))
    password = make_password(PASSWORD)
    accounts: dict[str, object] = {"password": PASSWORD, "year": year.year, "year_id": year.pk}
    with transaction.atomic():
        User.objects.filter(username__startswith=PREFIX).delete()

        def person(name: str, organisation: Organisation, role: str) -> str:
            user = User.objects.create(username=name, password=password, first_name=name)
            Membership.objects.create(user=user, organisation=organisation, role=role)
            return name

        accounts["preparers"] = [
            {
                "username": person(f"{PREFIX}p{i:03}", unit, Membership.Role.PREPARER),
                "unit": unit.pk,
                "drafts": list(
                    Assessment.objects.filter(
                        project__unit=unit, year=year, status__in=editable
                    ).values_list("pk", flat=True)
                ),
            }
            for i, unit in enumerate(units)
        ]
        departments = sorted({unit.parent_id for unit in units})
        for role, count in (("reviewers", args.reviewers), ("staff", args.staff)):
            accounts[role] = [
                {
                    "username": person(
                        f"{PREFIX}{role[0]}{i:03}",
                        Organisation.objects.get(pk=departments[i % len(departments)]),
                        Membership.Role.REVIEWER,
                    ),
                    "department": departments[i % len(departments)],
                }
                for i in range(count)
            ]
    Path(args.output).write_text(json.dumps(accounts, ensure_ascii=False, indent=1))
    print(
        f"{len(units)} preparers, {args.reviewers} reviewers, {args.staff} department staff "
        f"over {len(departments)} departments, year {year.year}"
    )
    print(f"signed PDFs stored for {store_signed_pdfs(year, departments)} signed tables")


if __name__ == "__main__":
    main()
