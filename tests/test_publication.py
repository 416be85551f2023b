"""绩效信息公开: a department's year published exactly as signed, its 公开审核 and corrections."""

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import (
    AssessmentEvent,
    Comment,
    FinalAccounts,
    FrozenPublication,
    Publication,
    PublicationEvent,
    PublicationItem,
    ReviewIndicatorScore,
    ReviewSample,
    ReviewScore,
    SampledTable,
)
from assessments.paper import publication as paper
from assessments.reporting import bureau as report
from assessments.services import AssessmentError
from assessments.services import publication as publishing
from assessments.trust import approvals, signing

from .bureau_fixtures import desk  # noqa: F401  (a fixture)
from .pdftools import compact, pdf_text
from .publication_fixtures import prepared, published, second_reviewer  # noqa: F401


def test_new_publication_holds_every_signed_table_of_the_department_by_unit(desk):  # noqa: F811
    publication = prepared(desk)

    items = list(publication.items.select_related("signature__assessment").order_by("position"))
    department_tables = desk.tables[:4]  # two units of 甲局, two tables each, as entered
    assert [item.signature.assessment for item in items] == department_tables
    assert [item.signature for item in items] == [t.valid_signature() for t in department_tables]
    assert publication.status == Publication.Status.DRAFT
    assert (
        PublicationEvent.objects.filter(
            publication=publication, action=PublicationEvent.Action.CREATE
        ).count()
        == 1
    )


def test_only_the_departments_reviewer_prepares_its_publication(desk):  # noqa: F811
    with pytest.raises(AssessmentError, match="主管部门的审核人"):
        publishing.create_publication(
            desk.departments[0].pk, desk.year.pk, by=desk.people["other_department_reviewer"]
        )
    assert not Publication.objects.exists()


def test_reorder_keeps_the_department_s_order(desk):  # noqa: F811
    publication = prepared(desk)
    ids = list(publication.items.order_by("position").values_list("signature_id", flat=True))

    publishing.reorder(publication.pk, ids[::-1], by=desk.people["department_reviewer"])

    stored = publication.items.order_by("position").values_list("signature_id", flat=True)
    assert list(stored) == ids[::-1]
    with pytest.raises(AssessmentError):
        publishing.reorder(publication.pk, [*ids, 999999], by=desk.people["department_reviewer"])


def test_preparer_cannot_approve_own_publication(desk):  # noqa: F811
    publication = prepared(desk)
    publishing.submit(publication.pk, by=desk.people["department_reviewer"])

    with pytest.raises(AssessmentError, match="不能批准自己"):
        publishing.approve(publication.pk, by=desk.people["department_reviewer"])
    publication.refresh_from_db()
    assert publication.status == Publication.Status.SUBMITTED


def test_approval_is_signed_and_a_changed_order_fails_its_check(desk, second_reviewer):  # noqa: F811
    publication = prepared(desk)
    publishing.submit(publication.pk, by=desk.people["department_reviewer"])
    publication = publishing.approve(publication.pk, by=second_reviewer)

    assert publication.key is not None and publication.value
    assert approvals.check_approval(publication) == (True, "")
    first, second = publication.items.order_by("position")[:2]
    PublicationItem.objects.filter(pk=first.pk).update(position=99)
    PublicationItem.objects.filter(pk=second.pk).update(position=first.position)
    PublicationItem.objects.filter(pk=first.pk).update(position=second.position)

    valid, reason = approvals.check_approval(publication)
    assert not valid and "不符" in reason
    with pytest.raises(AssessmentError, match="核验未通过"):
        publishing.publish(publication.pk, by=desk.people["department_reviewer"])


def test_each_step_writes_one_log_entry(desk, second_reviewer):  # noqa: F811
    publication = published(desk, second_reviewer)

    actions = list(
        PublicationEvent.objects.filter(publication=publication).values_list("action", flat=True)
    )
    assert actions == ["create", "submit", "approve", "publish"]
    event = PublicationEvent.objects.filter(publication=publication).first()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_published_publication_cannot_change(desk, second_reviewer):  # noqa: F811
    publication = published(desk, second_reviewer)
    ids = list(publication.items.values_list("signature_id", flat=True))

    with pytest.raises(AssessmentError, match="只有草稿"):
        publishing.reorder(publication.pk, ids[::-1], by=desk.people["department_reviewer"])
    with pytest.raises(AssessmentError, match="只有草稿"):
        publishing.set_print_names(publication.pk, False, by=desk.people["department_reviewer"])
    stored = Publication.objects.get(pk=publication.pk)
    stored.print_names = False
    with pytest.raises(FrozenPublication):
        stored.save()
    item = stored.items.first()
    item.position = 50
    with pytest.raises(FrozenPublication):
        item.save()
    with pytest.raises(FrozenPublication):
        item.delete()
    with pytest.raises(FrozenPublication):
        stored.delete()
    assert list(stored.items.values_list("signature_id", flat=True)) == ids


def test_correction_names_its_predecessor_and_takes_the_signatures_in_force(
    desk,  # noqa: F811
    second_reviewer,  # noqa: F811
):
    first = published(desk, second_reviewer)
    table = desk.tables[0]
    services.void_signatures(table, by=desk.people["unit_reviewer"], reason="金额更正")
    signing.record_signature(table, by=desk.people["unit_reviewer"])

    with pytest.raises(AssessmentError, match="更正原因"):
        publishing.correct(first.pk, by=desk.people["department_reviewer"], reason=" ")
    correction = publishing.correct(
        first.pk, by=desk.people["department_reviewer"], reason="宣传费执行数更正"
    )

    assert correction.replaces == first
    assert correction.version == 2
    assert correction.items.first().signature == table.valid_signature()
    assert first.items.order_by("position").first().signature != table.valid_signature()
    with pytest.raises(AssessmentError, match="已有更正版本"):
        publishing.correct(first.pk, by=desk.people["department_reviewer"], reason="再次")


SHANGHAI = ZoneInfo("Asia/Shanghai")


# ---------------------------------------------------------------------------
# Nothing internal in any output

PLANTED_COMMENT = "批注内容不得公开甲"
PLANTED_REOPEN = "重新打开原因不得公开乙"
PLANTED_REVIEW = "复核意见不得公开丙"
PLANTED_REVIEW_ROW = "指标复核说明不得公开丁"
PLANTED_REVIEW_SCORE = "61.37"


def plant_internal_records(desk):  # noqa: F811
    """A comment, a reopening with its reason (then signed again) and a 复核 with its score."""
    unit_reviewer = desk.people["unit_reviewer"]
    first, second = desk.tables[0], desk.tables[1]
    Comment.objects.create(
        assessment=first,
        target="goal",
        target_label="预期目标",
        author=unit_reviewer,
        text=PLANTED_COMMENT,
    )
    services.void_signatures(second, by=unit_reviewer, reason=PLANTED_REOPEN)
    services.log_event(
        second, AssessmentEvent.Action.REOPEN, by=unit_reviewer, comment=PLANTED_REOPEN
    )
    signing.record_signature(second, by=unit_reviewer)
    sample = ReviewSample.objects.create(
        bureau=desk.bureau,
        year=desk.year,
        method=ReviewSample.Method.MANUAL,
        created_by=desk.people["bureau_reviewer"],
    )
    sampled = SampledTable.objects.create(
        sample=sample,
        assessment=first,
        signature=first.valid_signature(),
        self_score=first.total_score,
    )
    review = ReviewScore.objects.create(
        sampled=sampled,
        reviewer=desk.people["bureau_reviewer"],
        budget_score=Decimal("9.00"),
        remark=PLANTED_REVIEW,
        total_score=Decimal(PLANTED_REVIEW_SCORE),
    )
    ReviewIndicatorScore.objects.create(
        review=review, position=1, name="指标", score=Decimal("1.00"), remark=PLANTED_REVIEW_ROW
    )


def every_output(publication, directory, client):
    """The text of every file the publication writes (the PDF as text, the pages, the data)
    and of every public page that shows it."""
    signatures = approvals.item_signatures(publication)
    outputs = paper.write_outputs(
        directory,
        signatures,
        department=publication.department.name,
        year=publication.year.year,
        print_names=publication.print_names,
        pdf_content=paper.publication_pdf(publication),
    )
    texts = {outputs.pdf.name: compact(pdf_text(outputs.pdf.read_bytes()))}
    texts[outputs.data.name] = outputs.data.read_text(encoding="utf-8")
    for page in outputs.tables:
        texts[page.name] = page.read_text(encoding="utf-8")
    urls = ["/gongkai/", f"/gongkai/{publication.pk}/", f"/gongkai/{publication.pk}/data.json"]
    urls += [f"/gongkai/{publication.pk}/table-{n:02d}.html" for n in range(1, len(signatures) + 1)]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        texts[url] = response.content.decode()
    return texts


@pytest.mark.slow
def test_internal_fields_never_appear_in_any_output(desk, second_reviewer, tmp_path, client):  # noqa: F811
    plant_internal_records(desk)
    publication = published(desk, second_reviewer, print_names=False)

    texts = every_output(publication, tmp_path, client)

    assert len(texts) == 2 + 4 + 3 + 4
    planted = [
        PLANTED_COMMENT,
        PLANTED_REOPEN,
        PLANTED_REVIEW,
        PLANTED_REVIEW_ROW,
        PLANTED_REVIEW_SCORE,
        # Names beyond the table's own: the signer (names not printed), the publication's
        # preparer and approver, the bureau's reviewer.
        "shenhe_a",
        "juzhang_a",
        "fuzhang_a",
        "caizheng",
    ]
    for name, text in texts.items():
        for secret in planted:
            assert secret not in text, f"{secret} in {name}"
    # The tables are there, each with its signed figures: the planted records changed nothing.
    pdf = texts[next(name for name in texts if name.endswith(".pdf"))]
    for table in desk.tables[:4]:
        assert compact(table.project.name) in pdf
    data = json.loads(texts[next(name for name in texts if name.endswith(".json"))])
    assert [r["project"] for r in data["assessments"]] == [t.project.name for t in desk.tables[:4]]


@pytest.mark.slow
def test_names_printed_on_the_signed_table_are_published_when_chosen(
    desk,  # noqa: F811
    second_reviewer,  # noqa: F811
    tmp_path,
    client,
):
    publication = published(desk, second_reviewer, print_names=True)

    texts = every_output(publication, tmp_path, client)

    pdf = texts[next(name for name in texts if name.endswith(".pdf"))]
    assert "shenhe_a" in pdf
    assert "shenhe_a" in texts["table-01.html"]
    assert "juzhang_a" not in pdf and "fuzhang_a" not in pdf


# ---------------------------------------------------------------------------
# The 20 days after the 决算 approval


def test_deadline_counts_twenty_days_and_warns_before_they_run_out(desk):  # noqa: F811
    department = desk.departments[0]
    reviewer = desk.people["department_reviewer"]
    publishing.record_final_accounts(department.pk, desk.year.pk, date(2023, 7, 10), by=reviewer)

    def state(today):
        (deadline,) = publishing.publication_deadlines([department], today=today)
        return deadline

    assert state(date(2023, 7, 20)).due == date(2023, 7, 30)
    assert not state(date(2023, 7, 20)).needs_warning
    assert state(date(2023, 7, 26)).needs_warning
    assert "还剩 4 天" in state(date(2023, 7, 26)).label
    assert "已逾期 2 天" in state(date(2023, 8, 1)).label
    assert PublicationEvent.objects.filter(action=PublicationEvent.Action.ACCOUNTS).count() == 1


@pytest.mark.parametrize(
    ("published_at", "on_time", "label"),
    [
        (datetime(2023, 7, 30, 23, 0, tzinfo=SHANGHAI), True, "按时"),
        (datetime(2023, 7, 31, 0, 30, tzinfo=SHANGHAI), False, "逾期 1 天"),
    ],
)
def test_a_publication_by_the_due_date_is_on_time(
    desk,  # noqa: F811
    second_reviewer,  # noqa: F811
    published_at,
    on_time,
    label,
):
    department = desk.departments[0]
    reviewer = desk.people["department_reviewer"]
    publishing.record_final_accounts(department.pk, desk.year.pk, date(2023, 7, 10), by=reviewer)
    publication = prepared(desk)
    publishing.submit(publication.pk, by=reviewer)
    publishing.approve(publication.pk, by=second_reviewer)
    with patch("django.utils.timezone.now", return_value=published_at):
        publishing.publish(publication.pk, by=reviewer)

    (deadline,) = publishing.publication_deadlines([department], today=date(2023, 9, 1))
    assert deadline.on_time is on_time and label in deadline.label


def test_a_future_approval_date_is_refused(desk):  # noqa: F811
    with pytest.raises(AssessmentError, match="不能晚于今天"):
        publishing.record_final_accounts(
            desk.departments[0].pk,
            desk.year.pk,
            timezone.localdate() + timedelta(days=1),
            by=desk.people["department_reviewer"],
        )
    assert not FinalAccounts.objects.exists()


def test_dashboard_and_bureau_report_show_the_publication_deadline(client, desk):  # noqa: F811
    department = desk.departments[0]
    reviewer = desk.people["department_reviewer"]
    approved = timezone.localdate() - timedelta(days=18)
    publishing.record_final_accounts(department.pk, desk.year.pk, approved, by=reviewer)

    client.force_login(reviewer)
    page = client.get(reverse("home")).content.decode()
    assert "publication-warning" in page and "还剩 2 天" in page

    lines = {
        line.department.name: line
        for line in report.build_report(desk.bureau, desk.year).departments
    }
    assert "还剩 2 天" in lines["甲局"].publication
    assert lines["乙局"].publication == "未登记决算批复日期"


def test_a_table_reopened_after_approval_stops_the_publication(desk, second_reviewer):  # noqa: F811
    publication = prepared(desk)
    publishing.submit(publication.pk, by=desk.people["department_reviewer"])
    publishing.approve(publication.pk, by=second_reviewer)
    table = desk.tables[2]
    services.void_signatures(table, by=desk.people["unit_reviewer"], reason="重新打开")

    with pytest.raises(AssessmentError, match=f"{table.project.name} 的签发已作废"):
        publishing.publish(publication.pk, by=desk.people["department_reviewer"])
    publication.refresh_from_db()
    assert publication.status == Publication.Status.APPROVED

    publishing.return_publication(
        publication.pk, by=desk.people["department_reviewer"], reason="一张表重新打开"
    )
    publication.refresh_from_db()
    assert publication.status == Publication.Status.DRAFT and not publication.value
    voided = table.signatures.get()
    publishing.reorder(
        publication.pk,
        [s.pk for s in approvals.item_signatures(publication) if s != voided],
        by=desk.people["department_reviewer"],
    )
    publishing.submit(publication.pk, by=desk.people["department_reviewer"])
    publishing.approve(publication.pk, by=second_reviewer)
    publication = publishing.publish(publication.pk, by=desk.people["department_reviewer"])
    assert publication.items.count() == 3
