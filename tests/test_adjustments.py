"""Target adjustments (目标调整): requested by the preparer, decided by a reviewer, applied,
kept in the history and printed as a note."""

import io
from decimal import Decimal

import pdfplumber
import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.interchange import assessment_record
from assessments.models import AssessmentEvent, TargetAdjustment
from assessments.paper.official_table import build_official_table
from assessments.paper.remarks import adjustment_note
from assessments.services import adjustments, workflow
from assessments.trust import signing

from .factories import AssessmentFactory
from .test_targets import from_targets

Action = AssessmentEvent.Action


def row(assessment, name="培训人次"):
    return assessment.indicators.get(name=name)


def ask(people, assessment, *, new="≥400人次", field="target"):
    return adjustments.request_adjustment(
        assessment.pk,
        by=people["preparer"],
        changes=[{"row": row(assessment).pk, "field": field, "new": new}],
        reason="培训场地改造，下半年停训两个月。",
    )


def logged(assessment):
    return list(assessment.events.order_by("pk").values_list("action", flat=True))


def test_preparer_requests_an_adjustment_with_one_log_entry(people):
    assessment = from_targets(people)
    before = logged(assessment)
    adjustment = ask(people, assessment)
    assert adjustment.status == TargetAdjustment.Status.PENDING
    assert adjustment.changes == [
        {
            "row": row(assessment).pk,
            "name": "培训人次",
            "field": "target",
            "old": "≥500人次",
            "new": "≥400人次",
        }
    ]
    assert logged(assessment) == [*before, Action.ADJUST_REQUEST]
    assert row(assessment).target == "≥500人次"  # nothing changes before approval


def test_request_without_a_reason_or_a_change_is_refused(people):
    assessment = from_targets(people)
    before = logged(assessment)
    with pytest.raises(services.AssessmentError, match="必须填写调整理由"):
        adjustments.request_adjustment(
            assessment.pk,
            by=people["preparer"],
            changes=[{"row": row(assessment).pk, "field": "target", "new": "≥1人次"}],
            reason=" ",
        )
    with pytest.raises(services.AssessmentError, match="没有要调整的内容"):
        ask(people, assessment, new="≥500人次")
    assert logged(assessment) == before
    assert not TargetAdjustment.objects.exists()


def test_request_is_refused_to_a_reviewer_and_while_one_waits(people):
    assessment = from_targets(people)
    with pytest.raises(services.AssessmentError, match="只有本单位的填报人"):
        adjustments.request_adjustment(
            assessment.pk,
            by=people["reviewer"],
            changes=[{"row": row(assessment).pk, "field": "target", "new": "x"}],
            reason="r",
        )
    ask(people, assessment)
    with pytest.raises(services.AssessmentError, match="已有一项目标调整待审批"):
        ask(people, assessment, new="≥300人次")


def test_reviewer_approves_and_the_new_target_applies_with_one_log_entry(people):
    assessment = from_targets(people)
    adjustment = ask(people, assessment, new="18", field="weight")
    before = logged(assessment)
    adjustments.approve_adjustment(adjustment.pk, by=people["reviewer"], comment="同意")
    adjustment.refresh_from_db()
    assert adjustment.status == TargetAdjustment.Status.APPROVED
    assert adjustment.decided_by == people["reviewer"]
    assert row(assessment).weight == Decimal("18")
    assert logged(assessment) == [*before, Action.ADJUST_APPROVE]
    event = assessment.events.last()
    assert event.changes == {"指标“培训人次” · 分值": ["50", "18"]}


def test_the_requester_cannot_decide_her_own_adjustment(people):
    assessment = from_targets(people)
    adjustment = ask(people, assessment)
    with pytest.raises(services.AssessmentError, match="只有本单位或主管部门的审核人"):
        adjustments.approve_adjustment(adjustment.pk, by=people["preparer"])
    people["reviewer"].is_superuser = True  # a reviewer who is also the requester
    adjustment.requested_by = people["reviewer"]
    adjustment.save()
    with pytest.raises(services.AssessmentError, match="不能审批本人申请"):
        adjustments.approve_adjustment(adjustment.pk, by=people["reviewer"])


def test_reject_needs_a_comment_keeps_the_target_and_logs_once(people):
    assessment = from_targets(people)
    adjustment = ask(people, assessment)
    with pytest.raises(services.AssessmentError, match="必须填写意见"):
        adjustments.reject_adjustment(adjustment.pk, by=people["department"], comment="")
    before = logged(assessment)
    adjustments.reject_adjustment(adjustment.pk, by=people["department"], comment="理由不足")
    assert logged(assessment) == [*before, Action.ADJUST_REJECT]
    assert row(assessment).target == "≥500人次"
    with pytest.raises(services.AssessmentError, match="已驳回，不能再审批"):
        adjustments.approve_adjustment(adjustment.pk, by=people["reviewer"])


def test_approved_adjustment_is_noted_on_paper_and_in_the_signed_snapshot(people):
    assessment = from_targets(people)
    adjustment = ask(people, assessment)
    adjustments.approve_adjustment(adjustment.pk, by=people["reviewer"])
    adjustment.refresh_from_db()
    record = assessment_record(assessment)
    assert record["adjustments"] == [adjustment.as_record()]
    note = adjustment_note(record["adjustments"][0])
    day = timezone.localtime(adjustment.decided_at).strftime("%Y-%m-%d")
    assert note == (
        "目标调整：“培训人次”年度指标值原为 ≥500人次，调整为 ≥400人次，"
        f"理由：培训场地改造，下半年停训两个月，于 {day} 批准。"
    )
    assert build_official_table(assessment, paper=True).remarks == [note]


def test_a_table_signed_without_targets_or_adjustments_still_verifies_and_matches(people):
    assessment = AssessmentFactory(project__unit=people["unit"])
    signature = signing.record_signature(assessment, by=people["reviewer"])
    assert not {"kind", "targets", "adjustments"} & set(signature.snapshot)
    history = signing.history_of(assessment)
    assert history.signature_matches
    assert history.signature_state == signing.SignatureState.VALID


def test_approval_changes_what_a_signature_covers(people):
    assessment = from_targets(people)
    before = signing.content_hash(signing.canonical_snapshot(assessment))
    adjustments.approve_adjustment(ask(people, assessment).pk, by=people["reviewer"])
    after = signing.canonical_snapshot(assessment)
    assert signing.content_hash(after) != before
    assert after["adjustments"][0]["changes"][0]["new"] == "≥400人次"


# ---------------------------------------------------------------------------
# Views: anonymous, outsider (404), read-only (403), wrong method


def test_adjustment_views_refuse_the_wrong_people_and_methods(client, people, outsider):
    assessment = from_targets(people)
    url = reverse("assessments:request_adjustment", args=[assessment.pk])
    data = {f"target_{row(assessment).pk}": "≥400人次", "reason": "停训两个月"}
    assert client.post(url, data).status_code == 302  # anonymous: to the sign-in page
    assert not TargetAdjustment.objects.exists()
    client.force_login(outsider)
    assert client.post(url, data).status_code == 404
    client.force_login(people["reviewer"])
    assert client.post(url, data).status_code == 403
    client.force_login(people["preparer"])
    assert client.get(url).status_code == 405
    response = client.post(url, data)
    assert response.status_code == 302
    adjustment = TargetAdjustment.objects.get()
    decide = reverse("assessments:decide_adjustment", args=[assessment.pk, adjustment.pk])
    assert client.post(decide, {"decision": "approve"}).status_code == 403  # the requester
    client.force_login(outsider)
    assert client.post(decide, {"decision": "approve"}).status_code == 404
    client.logout()
    assert client.post(decide, {"decision": "approve"}).status_code == 302
    client.force_login(people["reviewer"])
    assert client.get(decide).status_code == 405
    assert client.post(decide, {"decision": "approve", "comment": ""}).status_code == 302
    assert row(assessment).target == "≥400人次"


def test_an_unreadable_weight_is_reported_beside_it_and_nothing_is_saved(client, people):
    assessment = from_targets(people)
    client.force_login(people["preparer"])
    url = reverse("assessments:request_adjustment", args=[assessment.pk])
    data = {"reason": "r"}
    for other in assessment.indicators.all():
        data[f"target_{other.pk}"] = other.target
        data[f"weight_{other.pk}"] = format(other.weight, "f")
    data[f"weight_{row(assessment).pk}"] = "五十"
    response = client.post(url, data)
    assert response.status_code == 422
    form = response.context["adjustment_form"]
    (message,) = form.errors[f"weight_{row(assessment).pk}"]
    page = response.content.decode()
    assert f'<div class="invalid-feedback">{message}</div>' in page
    assert 'value="五十"' in page
    assert "目标调整申请尚未提交" in page
    assert not TargetAdjustment.objects.exists()


def test_history_and_detail_page_show_the_adjustment(client, people):
    assessment = from_targets(people)
    adjustments.approve_adjustment(ask(people, assessment).pk, by=people["reviewer"])
    client.force_login(people["preparer"])
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "申请目标调整" in page and "批准目标调整" in page
    assert 'data-adjustment="approved"' in page
    assert "调整为 <strong>≥400人次</strong>" in page


def plain_text(response):
    """The PDF's text as pdfplumber reads it, without spaces and line breaks."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    with pdfplumber.open(io.BytesIO(content)) as document:
        return "".join("".join(page.extract_text() or "" for page in document.pages).split())


def finish(assessment):
    """The year's actuals, as a preparer would fill them: every target met, full scores."""
    for indicator in assessment.indicators.all():
        indicator.actual = indicator.target.replace("≥", "=")
        indicator.score = indicator.weight
        indicator.save()
    assessment.current_executed = assessment.total_executed = Decimal("900000")
    assessment.outcome = "全年完成培训任务，执行率100%。"
    services.refresh_computed(assessment)
    assessment.save()


@pytest.mark.slow
def test_the_signed_pdf_prints_the_approved_adjustment(client, people):
    assessment = from_targets(people)
    adjustment = ask(people, assessment)
    adjustments.approve_adjustment(adjustment.pk, by=people["reviewer"])
    assessment = type(assessment).objects.with_tree().get(pk=assessment.pk)
    finish(assessment)
    workflow.submit_assessment(assessment.pk, by=people["preparer"])
    workflow.sign_off_assessment(assessment.pk, by=people["department"])
    client.force_login(people["preparer"])
    response = client.get(reverse("assessments:pdf", args=[assessment.pk]))
    text = plain_text(response)
    adjustment.refresh_from_db()
    expected = adjustment_note(adjustment.as_record())
    assert "".join(expected.split()) in text
    assert "目标未经审批" not in text


@pytest.mark.slow
def test_the_pdf_of_a_table_without_approved_targets_says_so(client, people):
    assessment = AssessmentFactory(project__unit=people["unit"])
    client.force_login(people["preparer"])
    response = client.get(reverse("assessments:pdf", args=[assessment.pk]))
    assert "目标未经审批" in plain_text(response)


# ---------------------------------------------------------------------------
# The approved 预期目标: read-only in the wizard, changed only by an adjustment


def test_the_goal_step_shows_the_approved_goal_as_text_and_says_how_to_change_it(client, people):
    assessment = from_targets(people)
    client.force_login(people["preparer"])
    url = reverse("assessments:wizard_step", args=[assessment.pk, "goal"])
    page = client.get(url).content.decode()
    assert 'id="goal-locked"' in page and "如需改变，请在下方提出目标调整" in page
    assert 'id="locked-goal"' in page and assessment.goal in page
    assert 'name="goal"' not in page.split('id="adjustments"')[0]
    assert 'id="adjustment-request"' in page
    # A crafted post of a changed goal is not read: the goal stays as approved.
    response = client.post(url, {"version": assessment.version, "goal": "改写", "save": "1"})
    assert response.status_code == 302
    assert assessment.__class__.objects.get(pk=assessment.pk).goal == assessment.goal


def test_an_adjustment_of_the_goal_is_asked_for_approved_and_printed(client, people):
    assessment = from_targets(people)
    client.force_login(people["preparer"])
    url = reverse("assessments:request_adjustment", args=[assessment.pk])
    data = {"reason": "上级下达新的培训任务。", "goal": "全年开展职业技能培训 600 人次。"}
    for other in assessment.indicators.all():
        data[f"target_{other.pk}"] = other.target
        data[f"weight_{other.pk}"] = format(other.weight, "f")
    assert client.post(url, data).status_code == 302
    adjustment = TargetAdjustment.objects.get()
    assert adjustment.changes == [
        {
            "row": None,
            "name": "预期目标",
            "field": "goal",
            "old": assessment.goal,
            "new": "全年开展职业技能培训 600 人次。",
        }
    ]
    adjustments.approve_adjustment(adjustment.pk, by=people["reviewer"])
    saved = assessment.__class__.objects.get(pk=assessment.pk)
    assert saved.goal == "全年开展职业技能培训 600 人次。"
    record = assessment_record(saved)
    (note,) = [line for line in build_official_table(saved).remarks if "目标调整" in line]
    assert "“预期目标”原为" in note and "调整为 全年开展职业技能培训 600 人次。" in note
    assert record["adjustments"][0]["changes"][0]["field"] == "goal"


def test_a_post_without_the_goal_asks_nothing_of_the_goal(people):
    from assessments.forms import AdjustmentForm

    assessment = from_targets(people)
    rows = list(assessment.indicators.all())
    form = AdjustmentForm({"reason": "r"}, indicators=rows, goal=assessment.goal)
    assert form.is_valid()
    assert all(change["field"] != "goal" for change in form.changes())
