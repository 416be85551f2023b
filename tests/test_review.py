import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import rules, services, signin
from assessments.models import Assessment, AssessmentEvent, Comment, Signature
from assessments.services import comments, drafts, workflow
from assessments.trust import signing

from .factories import AssessmentFactory, UnitFactory, UserFactory, YearFactory, member

DRAFT, SUBMITTED, RETURNED, SIGNED_OFF = Assessment.Status.values


def make(people, status=DRAFT):
    """A clean table of the unit in the given state, created by its preparer."""
    assessment = AssessmentFactory(project__unit=people["unit"], year=YearFactory(year=2023))
    services.log_event(
        assessment, AssessmentEvent.Action.CREATE, by=people["preparer"], to_status=DRAFT
    )
    Assessment.objects.filter(pk=assessment.pk).update(status=status)
    assessment.refresh_from_db()
    if status == SIGNED_OFF:
        signing.record_signature(assessment, by=people["reviewer"])
    return assessment


def events(assessment):
    return list(AssessmentEvent.objects.filter(assessment=assessment).order_by("pk"))


# ---------------------------------------------------------------------------
# Each service: allowed start, refused start, exactly one log entry


def test_submit_moves_a_draft_to_submitted_with_one_log_entry(people):
    assessment = make(people)
    before = len(events(assessment))
    workflow.submit_assessment(assessment.pk, by=people["preparer"])
    assessment.refresh_from_db()
    assert assessment.status == SUBMITTED
    new = events(assessment)[before:]
    assert [(e.action, e.actor, e.from_status, e.to_status) for e in new] == [
        ("submit", people["preparer"], DRAFT, SUBMITTED)
    ]
    assert new[0].snapshot == signing.canonical_snapshot(assessment)


def test_submit_is_refused_while_an_error_stands(people):
    assessment = make(people)
    assessment.indicators.filter(position=1).update(score=Decimal("40"), reason="")
    with pytest.raises(services.AssessmentError, match="错误"):
        workflow.submit_assessment(assessment.pk, by=people["preparer"])
    assert Assessment.objects.get(pk=assessment.pk).status == DRAFT
    assert len(events(assessment)) == 1


def test_submit_is_refused_for_a_reviewer(people):
    assessment = make(people)
    with pytest.raises(services.AssessmentError):
        workflow.submit_assessment(assessment.pk, by=people["reviewer"])
    assert len(events(assessment)) == 1


def test_return_needs_a_reason_and_records_it(people):
    assessment = make(people, SUBMITTED)
    with pytest.raises(services.AssessmentError, match="退回原因"):
        workflow.return_assessment(assessment.pk, by=people["reviewer"], reason="  ")
    assert len(events(assessment)) == 1
    workflow.return_assessment(assessment.pk, by=people["reviewer"], reason="满意度依据不足")
    event = events(assessment)[-1]
    assert (event.action, event.actor, event.from_status, event.to_status, event.comment) == (
        "return",
        people["reviewer"],
        SUBMITTED,
        RETURNED,
        "满意度依据不足",
    )


def test_sign_off_stores_a_signature_bound_to_the_content(people):
    assessment = make(people, SUBMITTED)
    workflow.sign_off_assessment(assessment.pk, by=people["reviewer"])
    assessment.refresh_from_db()
    signature = Signature.objects.get(assessment=assessment)
    assert assessment.status == SIGNED_OFF
    assert signature.signed_by == people["reviewer"]
    assert signature.content_hash == signing.content_hash(signature.snapshot)
    assert signing.signed_content(signature) == signing.canonical_snapshot(assessment)
    event = events(assessment)[-1]
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "sign_off",
        people["reviewer"],
        SUBMITTED,
        SIGNED_OFF,
    )


def test_reviewer_cannot_sign_off_an_assessment_she_edited(people):
    assessment = make(people, SUBMITTED)
    services.log_event(assessment, AssessmentEvent.Action.EDIT, by=people["reviewer"])
    with pytest.raises(services.AssessmentError, match="不能由您本人签发"):
        workflow.sign_off_assessment(assessment.pk, by=people["reviewer"])
    assert not Signature.objects.filter(assessment=assessment).exists()


def test_a_preparer_withdraws_a_submission_with_a_reason_until_a_reviewer_comments(people):
    assessment = make(people, SUBMITTED)
    with pytest.raises(services.AssessmentError, match="撤回时必须填写原因"):
        workflow.withdraw_assessment(assessment.pk, by=people["preparer"], reason=" ")
    event = workflow.withdraw_assessment(
        assessment.pk, by=people["preparer"], reason="执行数填错了"
    )
    assert (event.action, event.from_status, event.to_status, event.comment) == (
        AssessmentEvent.Action.WITHDRAW,
        SUBMITTED,
        DRAFT,
        "执行数填错了",
    )
    workflow.submit_assessment(assessment.pk, by=people["preparer"])
    comments.add_comment(assessment.pk, by=people["reviewer"], target="goal", text="请补充")
    with pytest.raises(services.AssessmentError, match="审核人已开始审核"):
        workflow.withdraw_assessment(assessment.pk, by=people["preparer"], reason="再改一处")
    assert Assessment.objects.get(pk=assessment.pk).status == SUBMITTED


def test_sign_off_asks_for_confirmation_with_the_total_grade_and_findings(client, people):
    assessment = make(people, SUBMITTED)
    client.force_login(people["reviewer"])
    page = client.get(reverse("assessments:sign_off", args=[assessment.pk])).content.decode()
    evaluation = Assessment.objects.get(pk=assessment.pk).evaluate()
    assert "确认签发" in page
    assert f"总分 {rules.format_points(evaluation.total_score)}，{evaluation.grade}" in page
    assert Assessment.objects.get(pk=assessment.pk).status == SUBMITTED  # asking signs nothing
    client.post(reverse("assessments:sign_off", args=[assessment.pk]))
    assert Assessment.objects.get(pk=assessment.pk).status == SIGNED_OFF


def test_sign_off_confirmation_is_refused_to_those_who_may_not_sign(client, people):
    assessment = make(people, SUBMITTED)
    client.force_login(people["preparer"])
    response = client.get(reverse("assessments:sign_off", args=[assessment.pk]), follow=True)
    assert "确认签发" not in response.content.decode()
    assert "只有审核人可以签发" in response.content.decode()


def test_a_returned_table_leads_with_the_reason_and_who_returned_it(client, people):
    assessment = make(people, SUBMITTED)
    workflow.return_assessment(assessment.pk, by=people["reviewer"], reason="执行数与决算不符")
    client.force_login(people["preparer"])
    page = client.get(reverse("assessments:detail", args=[assessment.pk])).content.decode()
    assert 'id="returned-reason"' in page and "执行数与决算不符" in page
    dashboard = client.get(reverse("home")).content.decode()
    assert "执行数与决算不符" in dashboard


def test_reopen_needs_a_department_reviewer_and_a_reason_and_voids_the_signature(people):
    assessment = make(people, SIGNED_OFF)
    with pytest.raises(services.AssessmentError, match="主管部门"):
        workflow.reopen_assessment(assessment.pk, by=people["reviewer"], reason="数据有误")
    with pytest.raises(services.AssessmentError, match="原因"):
        workflow.reopen_assessment(assessment.pk, by=people["department"], reason="")
    assert len(events(assessment)) == 1
    workflow.reopen_assessment(assessment.pk, by=people["department"], reason="执行数有误")
    assessment.refresh_from_db()
    signature = Signature.objects.get(assessment=assessment)
    assert assessment.status == DRAFT
    assert signature.voided_at is not None and signature.void_reason == "执行数有误"
    event = events(assessment)[-1]
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "reopen",
        people["department"],
        SIGNED_OFF,
        DRAFT,
    )


def test_comments_go_out_with_the_return_and_block_resubmission_until_answered(people):
    assessment = make(people, SUBMITTED)
    row = assessment.indicators.get(position=1)
    comments.add_comment(
        assessment.pk, by=people["reviewer"], target=f"indicator:{row.pk}.score", text="得分依据？"
    )
    comments.add_comment(
        assessment.pk, by=people["reviewer"], target="funds.total.executed", text="请核对执行数"
    )
    workflow.return_assessment(assessment.pk, by=people["reviewer"], reason="见批注")
    assert Comment.objects.filter(return_event__action="return").count() == 2
    with pytest.raises(services.AssessmentError, match="2 条批注还没有答复"):
        workflow.submit_assessment(assessment.pk, by=people["preparer"])
    for comment in Comment.objects.filter(parent__isnull=True):
        comments.answer_comment(comment.pk, by=people["preparer"], text="已核对")
    workflow.submit_assessment(assessment.pk, by=people["preparer"])
    assert Assessment.objects.get(pk=assessment.pk).status == SUBMITTED


def test_a_comment_needs_a_known_cell_and_text(people):
    assessment = make(people, SUBMITTED)
    with pytest.raises(services.AssessmentError, match="栏目"):
        comments.add_comment(assessment.pk, by=people["reviewer"], target="nowhere", text="x")
    with pytest.raises(services.AssessmentError, match="不能为空"):
        comments.add_comment(assessment.pk, by=people["reviewer"], target="goal", text=" ")
    assert not Comment.objects.exists()


def test_mail_goes_to_reviewers_on_submit_after_commit(people, django_capture_on_commit_callbacks):
    assessment = make(people)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.submit_assessment(assessment.pk, by=people["preparer"])
        assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["d@example.gov.cn", "r@example.gov.cn"]
    assert "已提交" in mail.outbox[0].subject


def test_mail_goes_to_preparers_on_return(people, django_capture_on_commit_callbacks):
    assessment = make(people, SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_assessment(assessment.pk, by=people["reviewer"], reason="请修改")
    assert mail.outbox[0].to == ["p@example.gov.cn"]
    assert "请修改" in mail.outbox[0].body


# ---------------------------------------------------------------------------
# The permission matrix: every role × every action × every state

ROLES = ["preparer", "outsider", "reviewer", "department", "admin", "anonymous"]
ACTIONS = [
    "view",
    "edit",
    "submit",
    "withdraw",
    "return",
    "comment",
    "sign_off",
    "reopen",
    "download_pdf",
]
STAFF = {"preparer", "reviewer", "department", "admin"}
REVIEWERS = {"reviewer", "department", "admin"}
ALLOWED = {
    "view": {state: STAFF for state in Assessment.Status.values},
    "download_pdf": {state: STAFF for state in Assessment.Status.values},
    "edit": {DRAFT: {"preparer", "admin"}, RETURNED: {"preparer", "admin"}},
    "submit": {DRAFT: {"preparer", "admin"}, RETURNED: {"preparer", "admin"}},
    "return": {SUBMITTED: REVIEWERS},
    "comment": {SUBMITTED: REVIEWERS},
    "sign_off": {SUBMITTED: REVIEWERS},
    "reopen": {SIGNED_OFF: {"department", "admin"}},
    "withdraw": {SUBMITTED: {"preparer", "admin"}},
}


def attempt(client, assessment, action):
    """Try the action through the application, as the browser would."""
    pk = assessment.pk
    if action == "view":
        return client.get(reverse("assessments:detail", args=[pk]))
    if action == "download_pdf":
        return client.get(reverse("assessments:pdf", args=[pk]))
    if action == "edit":
        return client.post(
            reverse("assessments:wizard_step", args=[pk, "goal"]),
            {"version": assessment.version, "goal": "改过的目标", "save": "1"},
        )
    posts = {
        "submit": ("assessments:submit", {}),
        "return": ("assessments:return", {"reason": "请修改"}),
        "comment": ("assessments:add_comment", {"target": "goal", "text": "请补充"}),
        "sign_off": ("assessments:sign_off", {}),
        "reopen": ("assessments:reopen", {"reason": "需更正"}),
        "withdraw": ("assessments:withdraw", {"reason": "执行数填错了"}),
    }
    name, data = posts[action]
    return client.post(reverse(name, args=[pk]), data)


def fingerprint(assessment):
    fresh = Assessment.objects.get(pk=assessment.pk)
    return (
        fresh.status,
        fresh.goal,
        fresh.version,
        Comment.objects.count(),
        Signature.objects.filter(voided_at__isnull=True).count(),
    )


# Every role × action × state; a permitted PDF download lays out a PDF, so it is slow.
PERMISSION_CASES = [
    pytest.param(
        role,
        action,
        state,
        id=f"{role}-{action}-{state}",
        marks=[pytest.mark.slow]
        if action == "download_pdf" and role in ALLOWED[action].get(state, set())
        else [],
    )
    for role in ROLES
    for action in ACTIONS
    for state in Assessment.Status.values
]


@pytest.mark.parametrize(("role", "action", "state"), PERMISSION_CASES)
def test_permission_matrix(client, people, role, action, state):
    assessment = make(people, state)
    if role != "anonymous":
        client.force_login(people[role])
    expected = role in ALLOWED[action].get(state, set())
    before_state, before_events = fingerprint(assessment), len(events(assessment))
    response = attempt(client, assessment, action)
    after_state, after_events = fingerprint(assessment), len(events(assessment))
    if action in ("view", "download_pdf"):
        assert (response.status_code == 200) is expected
        if role != "anonymous" and role not in STAFF:
            assert response.status_code == 404
        if expected and action == "download_pdf":
            assert response["Content-Type"] == "application/pdf"
        assert after_events == before_events
        return
    if expected:
        assert after_state != before_state
        assert after_events == before_events + 1
    else:
        assert after_state == before_state
        assert after_events == before_events
        assert response.status_code in (302, 403, 404)


# ---------------------------------------------------------------------------
# Signatures


def test_signed_table_shows_its_signature_and_matches(client, people):
    assessment = make(people, SUBMITTED)
    workflow.sign_off_assessment(assessment.pk, by=people["reviewer"])
    client.force_login(people["preparer"])
    text = client.get(assessment.get_absolute_url()).content.decode()
    assert "内容与签发版本一致" in text
    assert Signature.objects.get().content_hash in text


def test_a_change_behind_the_applications_back_is_reported_as_a_mismatch(client, people):
    assessment = make(people, SUBMITTED)
    workflow.sign_off_assessment(assessment.pk, by=people["reviewer"])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE assessments_assessment SET total_executed = %s WHERE id = %s",
            ["9999.00", assessment.pk],
        )
    client.force_login(people["department"])
    text = client.get(assessment.get_absolute_url()).content.decode()
    assert "内容与签发版本不一致" in text
    assert "年度资金总额 · 全年执行数" in text
    assert "10000.00" in text and "9999.00" in text


def test_next_sign_off_shows_what_changed_since_the_last_signed_version(client, people):
    assessment = make(people, SUBMITTED)
    workflow.sign_off_assessment(assessment.pk, by=people["reviewer"])
    workflow.reopen_assessment(assessment.pk, by=people["department"], reason="更正执行数")
    assessment.refresh_from_db()
    drafts.save_draft(
        assessment.pk,
        by=people["preparer"],
        base_version=assessment.version,
        step="goal",
        fields={"goal": "更正后的目标"},
    )
    workflow.submit_assessment(assessment.pk, by=people["preparer"])
    client.force_login(people["reviewer"])
    text = client.get(assessment.get_absolute_url()).content.decode()
    assert "自上次签发以来的修改" in text
    assert "更正后的目标" in text and "签发已作废" in text


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_signing_at_the_same_moment_give_one_sign_off():
    unit = UnitFactory()
    first = member(UserFactory(username="first"), unit, "reviewer")
    second = member(UserFactory(username="second"), unit.parent, "reviewer")
    assessment = AssessmentFactory(project__unit=unit)
    Assessment.objects.filter(pk=assessment.pk).update(status=SUBMITTED)
    barrier = threading.Barrier(2)
    outcomes = []

    def sign(user):
        try:
            barrier.wait(timeout=10)
            workflow.sign_off_assessment(assessment.pk, by=user)
            outcomes.append("signed")
        except services.AssessmentError as error:
            outcomes.append(str(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(user,)) for user in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("signed") == 1
    assert [o for o in outcomes if o != "signed"] == ["只有已提交的自评表可以签发。"]
    assert Signature.objects.filter(assessment=assessment).count() == 1
    assert AssessmentEvent.objects.filter(assessment=assessment, action="sign_off").count() == 1


def test_event_log_cannot_be_changed_or_deleted_through_the_model(people):
    assessment = make(people)
    event = events(assessment)[0]
    event.comment = "改写"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_admin_cannot_change_or_delete_the_event_log(client, people):
    assessment = make(people)
    event = events(assessment)[0]
    client.force_login(people["admin"])
    change = reverse("admin:assessments_assessmentevent_change", args=[event.pk])
    response = client.post(change, {"comment": "改写"})
    assert AssessmentEvent.objects.get(pk=event.pk).comment == ""
    assert response.status_code in (200, 403)
    delete = reverse("admin:assessments_assessmentevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AssessmentEvent.objects.filter(pk=event.pk).exists()


# ---------------------------------------------------------------------------
# Dashboard


def test_dashboard_lists_what_waits_for_each_person(client, people):
    waiting = make(people, SUBMITTED)
    returned = make(people, RETURNED)
    client.force_login(people["reviewer"])
    text = client.get(reverse("home")).content.decode()
    assert "待我审核" in text and waiting.project.name in text
    client.force_login(people["preparer"])
    text = client.get(reverse("home")).content.decode()
    assert "被退回" in text and returned.project.name in text


def test_a_target_table_waiting_for_review_is_named_as_such_on_the_dashboard(client, people):
    waiting = make(people, SUBMITTED)
    Assessment.objects.filter(pk=waiting.pk).update(kind="targets")
    client.force_login(people["reviewer"])
    response = client.get(reverse("home"))
    (item,) = [a for a in response.context["to_review"]]
    assert item.pk == waiting.pk
    text = response.content.decode()
    waiting_list = text[text.index("待我审核") : text.index("</ul>", text.index("待我审核"))]
    assert waiting.project.name in waiting_list and "绩效目标表" in waiting_list


def test_department_dashboard_counts_each_units_tables_per_state(client, people):
    make(people, SUBMITTED)
    make(people, DRAFT)
    client.force_login(people["department"])
    response = client.get(reverse("home"))
    (row,) = response.context["overview"]
    assert row["unit"] == people["unit"]
    assert {key: row[key] for key in ("total", DRAFT, SUBMITTED, RETURNED, SIGNED_OFF)} == {
        "total": 2,
        DRAFT: 1,
        SUBMITTED: 1,
        RETURNED: 0,
        SIGNED_OFF: 0,
    }


def test_preparer_dashboard_offers_last_years_projects_not_yet_started(client, people):
    YearFactory(year=2023, deadline=timezone.localdate() + timedelta(days=12))
    last_year = YearFactory(year=2022)
    waiting = AssessmentFactory(
        project__unit=people["unit"], project__name="宣传费", year=last_year
    )
    started = AssessmentFactory(
        project__unit=people["unit"], project__name="邮寄费", year=last_year
    )
    AssessmentFactory(project=started.project, year=YearFactory(year=2023))
    AssessmentFactory(project__unit=UnitFactory(), project__name="别家的项目", year=last_year)
    client.force_login(people["preparer"])
    response = client.get(reverse("home"))
    assert [a.pk for a in response.context["to_start"]] == [waiting.pk]
    text = response.content.decode()
    assert f'href="{reverse("assessments:copy", args=[waiting.pk])}"' in text
    assert "2023 年度待填报" in text and "还有 12 天" in text
    client.force_login(people["department"])
    assert 'id="to-start"' not in client.get(reverse("home")).content.decode()


def test_a_past_deadline_is_shown_as_passed(client, people):
    YearFactory(year=2023, deadline=timezone.localdate() - timedelta(days=1))
    client.force_login(people["preparer"])
    text = client.get(reverse("home")).content.decode()
    assert "已过 1 天" in text and "上年度的项目都已建表" in text


# ---------------------------------------------------------------------------
# Security baseline


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_ten_wrong_passwords_lock_the_account_until_an_admin_unlocks(client, people):
    for _ in range(9):
        response = sign_in(client, "preparer", "wrong")
        assert "正确" in response.content.decode()
    response = sign_in(client, "preparer", "wrong")
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.content.decode()
    response = sign_in(client, "preparer", "pass-word-123")
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    signin.unlock("preparer")
    response = sign_in(client, "preparer", "pass-word-123")
    assert response.status_code == 302
    assert AccessFailureLog.objects.filter(username="preparer").count() == 10  # the records stay


def test_the_lock_expires_after_the_lock_time(client, people, settings):
    for _ in range(settings.LOGIN_LOCK_FAILURES):
        sign_in(client, "preparer", "wrong")
    assert "账号已暂时锁定" in sign_in(client, "preparer", "pass-word-123").content.decode()
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - timedelta(minutes=settings.LOGIN_LOCK_MINUTES + 1)
    )
    assert sign_in(client, "preparer", "pass-word-123").status_code == 302


def test_failures_from_many_addresses_together_lock_the_account_everywhere(
    client, people, settings
):
    for n in range(settings.LOGIN_LOCK_ACCOUNT_FAILURES):
        sign_in_from(client, f"10.0.{n // 9}.{n % 9 + 1}", "preparer", "wrong")
    response = sign_in_from(client, "10.9.9.9", "preparer", "pass-word-123")
    assert "账号已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_one_address_locks_the_account_only_there_below_the_account_limit(client, people, settings):
    for _ in range(settings.LOGIN_LOCK_FAILURES):
        sign_in_from(client, "10.0.0.1", "preparer", "wrong")
    assert (
        "账号已暂时锁定"
        in sign_in_from(client, "10.0.0.1", "preparer", "pass-word-123").content.decode()
    )
    assert sign_in_from(client, "10.0.0.2", "preparer", "pass-word-123").status_code == 302


def sign_in_from(client, address, username, password):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_admin_unlock_action_clears_the_lock(client, people):
    for _ in range(10):
        sign_in(client, "preparer", "wrong")
    client.force_login(people["admin"])
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "unlock_accounts", "_selected_action": [people["preparer"].pk]},
    )
    assert response.status_code == 302
    client.logout()
    assert sign_in(client, "preparer", "pass-word-123").status_code == 302


def test_pages_carry_a_content_security_policy_without_inline_script_or_style(client, people):
    client.force_login(people["preparer"])
    policy = client.get(reverse("home")).headers["Content-Security-Policy"]
    for directive in ("script-src", "style-src"):
        part = next(part for part in policy.split(";") if part.strip().startswith(directive))
        assert "'unsafe-inline'" not in part and "'self'" in part, part


def session_row(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key)


def test_sessions_end_after_thirty_idle_minutes(client, people, settings, monkeypatch):
    """Each request keeps the session alive; it is written again at most once a minute."""
    from assessments import middleware

    assert settings.SESSION_COOKIE_AGE == 30 * 60
    clock = [1_000_000.0]
    monkeypatch.setattr(middleware.time, "time", lambda: clock[0])
    assert sign_in(client, "preparer", "pass-word-123").status_code == 302
    home = reverse("assessments:list")
    first = session_row(client).expire_date

    clock[0] += 30  # within the minute: the page is served and nothing is written
    with CaptureQueriesContext(connection) as queries:
        assert client.get(home).status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert session_row(client).expire_date == first

    clock[0] += 40  # a minute after the last refresh: the expiry moves on
    assert client.get(home).status_code == 200
    assert session_row(client).expire_date > first

    # Thirty minutes without a request: the session is over and the list asks to sign in.
    row = session_row(client)
    row.expire_date = timezone.now() - timedelta(seconds=1)
    row.save()
    response = client.get(home)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_password_validators_refuse_a_weak_password(people):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("12345678", get_user_model()(username="x"))


def indicator_row(name, score="10", level2="数量指标"):
    return {
        "level1": "产出指标",
        "level2": level2,
        "name": name,
        "target": "=100件",
        "actual": "=100件",
        "grade": None,
        "weight": "10",
        "score": score,
        "reason": "",
    }


def test_comparison_pairs_indicator_rows_by_name_so_an_insertion_changes_only_itself():
    before = {"goal": "宣传", "indicators": [indicator_row("甲"), indicator_row("乙")]}
    after = {
        "goal": "宣传",
        "indicators": [indicator_row("新"), indicator_row("甲"), indicator_row("乙", score="8")],
    }
    changes = signing.diff_snapshots(before, after)
    labels = [change.label for change in changes]
    # The new first row, then 乙's score; 甲 moved down a row but did not change.
    assert "第 1 行指标“新”（新增） · 三级指标" in labels
    assert "第 1 行指标“新”（新增） · 偏差原因分析及改进措施" not in labels  # blank either way
    assert not any("第 2 行" in label for label in labels)
    score = next(change for change in changes if change.label == "第 3 行指标“乙” · 得分")
    assert (score.before, score.after) == ("10", "8")


def test_comparison_names_a_deleted_row_and_pairs_renamed_rows_by_position():
    before = {"indicators": [indicator_row("甲"), indicator_row("乙"), indicator_row("丙")]}
    after = {"indicators": [indicator_row("甲"), indicator_row("乙（更名）")]}
    changes = {
        change.label: (change.before, change.after)
        for change in signing.diff_snapshots(before, after)
    }
    assert changes["第 2 行指标“乙（更名）” · 三级指标"] == ("乙", "乙（更名）")
    assert changes["原第 3 行指标“丙”（已删除） · 三级指标"] == ("丙", None)
    assert not any(label.startswith("第 1 行") for label in changes)
    assert signing.diff_snapshots(before, before) == []
