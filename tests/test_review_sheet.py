"""The 复核表 signed like a table: by the bureau's reviewer, through the catalogue's kind
(kinds.review), with its snapshot, SM2 signature, signed PDF and /verify/ page; locked once
signed, reopened only with a reason that is logged."""

import hashlib
import re
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.urls import reverse

from assessments import kinds
from assessments.models import BureauEvent, ReviewIndicatorScore, ReviewScore, ReviewSignature
from assessments.services import AssessmentError, review_sheets
from assessments.trust import keys, pdf_signature, review_signing
from assessments.trust.integrity import verify_signatures
from assessments.trust.signing import SignatureState

from . import bureau_fixtures
from .factories import login
from .pdftools import pdf_text
from .test_followup_review import reviewed, sampled  # noqa: F401  (the fixture)

desk = bureau_fixtures.desk


def review_url(d, name="review_table"):
    return reverse(f"assessments:{name}", args=[d.sample.pk, d.sampled.pk])


def test_the_review_sheet_is_in_the_catalogue_but_not_a_table():
    sheet = kinds.signed("review")
    assert (sheet.label, sheet.file_words, sheet.verify_noun) == ("复核表", "复核表", "复核表")
    assert sheet.title == "财政项目支出绩效自评复核表"
    assert not sheet.is_table
    assert "review" not in [kind.name for kind in kinds.all()]
    assert not kinds.is_known("review")
    with pytest.raises(LookupError):
        kinds.get("review")
    # An older snapshot that names no kind, or an unknown one, stays a self-assessment.
    assert kinds.signed(None) is kinds.default() and kinds.signed("gone") is kinds.default()


def test_signing_stores_a_snapshot_and_an_sm2_signature_that_verify(sampled):  # noqa: F811
    reviewed(sampled)
    signature = review_sheets.sign_review(sampled.sampled.pk, by=sampled.people["bureau_reviewer"])
    snapshot = signature.snapshot
    assert snapshot["kind"] == "review" and snapshot["sheet_version"] == 1
    assert snapshot["reviewed"]["content_hash"] == sampled.sampled.signature.content_hash
    assert (snapshot["self_total"], snapshot["self_grade"]) == ("100.00", "优")
    assert (snapshot["review_total"], snapshot["review_grade"]) == ("86.23", "良")
    first = snapshot["rows"][1]
    assert (first["self_score"], first["review_score"], first["changed"]) == (
        "50.00",
        "36.23",
        True,
    )
    assert first["remark"] == "完成数量抽查不足"
    assert review_signing.check_signature(signature) == SignatureState.VALID
    assert review_signing.matches_current(signature)
    event = BureauEvent.objects.get(action=BureauEvent.Action.SIGN_REVIEW)
    assert event.changes["content_hash"] == signature.content_hash

    # A changed stored score, or the signature moved to another time, no longer verifies.
    tampered = ReviewSignature(
        **{**_fields(signature), "signed_at": signature.signed_at.replace(year=2020)}
    )
    assert review_signing.check_signature(tampered) == SignatureState.FORGED
    changed = dict(snapshot, review_total="99.00")
    forged = ReviewSignature(**{**_fields(signature), "snapshot": changed})
    assert review_signing.check_signature(forged) == SignatureState.FORGED


def _fields(signature):
    return {
        f.attname: getattr(signature, f.attname)
        for f in ReviewSignature._meta.concrete_fields
        if f.name != "id"
    }


def test_a_signed_review_cannot_change_until_reopened_with_a_logged_reason(sampled):  # noqa: F811
    reviewer = sampled.people["bureau_reviewer"]
    reviewed(sampled)
    first = review_sheets.sign_review(sampled.sampled.pk, by=reviewer)
    with pytest.raises(AssessmentError, match="复核表已签发"):
        reviewed(sampled, score_1="40")
    with pytest.raises(AssessmentError, match="不能重复签发"):
        review_sheets.sign_review(sampled.sampled.pk, by=reviewer)
    with pytest.raises(AssessmentError, match="必须填写原因"):
        review_sheets.reopen_review(sampled.sampled.pk, by=reviewer, reason="  ")
    assert ReviewScore.objects.get().total_score == Decimal("86.23")

    review_sheets.reopen_review(sampled.sampled.pk, by=reviewer, reason="第 1 项复核有误")
    event = BureauEvent.objects.get(action=BureauEvent.Action.REOPEN_REVIEW)
    assert event.comment == "第 1 项复核有误"
    first.refresh_from_db()
    assert first.voided_at is not None and first.void_reason == "第 1 项复核有误"
    assert reviewed(sampled, score_1="40").total_score == Decimal("90.00")
    second = review_sheets.sign_review(sampled.sampled.pk, by=reviewer)
    assert second.content_hash != first.content_hash
    assert second.snapshot["review_grade"] == "优"


def test_only_the_bureau_reviewer_signs_and_only_a_saved_review(sampled):  # noqa: F811
    with pytest.raises(AssessmentError, match="还没有复核得分"):
        review_sheets.sign_review(sampled.sampled.pk, by=sampled.people["bureau_reviewer"])
    reviewed(sampled)
    with pytest.raises(AssessmentError, match="财政局的审核人"):
        review_sheets.sign_review(sampled.sampled.pk, by=sampled.people["department_reviewer"])
    assert not ReviewSignature.objects.exists()


def test_verify_names_the_review_sheet_the_table_and_both_scores(client, sampled):  # noqa: F811
    reviewed(sampled)
    signature = review_sheets.sign_review(sampled.sampled.pk, by=sampled.people["bureau_reviewer"])
    html = client.get(reverse("verify:hash", args=[signature.content_hash])).content.decode()
    assert "有效：</strong>该摘要属于一份签发的复核表" in html
    assert "财政项目支出绩效自评复核表" in html
    project = sampled.tables[0].project.name
    assert f"{project} 自评表" in html
    assert sampled.sampled.signature.content_hash in html
    assert "100.00 / 优" in html and "86.23 / 良" in html
    # No person's name on the public page.
    assert sampled.people["bureau_reviewer"].username not in html

    review_sheets.reopen_review(
        sampled.sampled.pk, by=sampled.people["bureau_reviewer"], reason="复核有误"
    )
    html = client.get(reverse("verify:hash", args=[signature.content_hash])).content.decode()
    assert "不是有效的签发版" in html and "曾经签发的复核表" in html
    assert "复核有误" not in html


def test_the_signed_pdf_is_the_sheet_signed_once_with_its_own_footer_and_name(
    client,
    sampled,  # noqa: F811
    artifacts,
):
    reviewed(sampled)
    login(client, "caizheng")
    response = client.post(review_url(sampled, "sign_review"))
    assert response.status_code == 302
    signature = ReviewSignature.objects.get()
    response = client.get(review_url(sampled, "review_pdf"))
    content = response.content
    project = sampled.tables[0].project.name
    assert unquote(response["Content-Disposition"]).endswith(f"''2022-{project}-复核表.pdf")
    (artifacts / "review-sheet-signed.pdf").write_bytes(content)
    text = pdf_text(content)
    assert f"复核表 · 2022 年度 · {project} · 内容摘要 {signature.content_hash[:16]}" in text
    assert "第 1 页，共 1 页" in text and "合订本" not in text and "未签发" not in text
    assert "签发版复核表" in text and re.search(r"自评等级 / 复核等级 +优 +良", text)
    status = pdf_signature.validate_pdf(content, keys.load_key_file().pdf_cert_pem)
    assert status.intact and status.valid
    signature.refresh_from_db()
    assert signature.pdf_sha256 == hashlib.sha256(content).hexdigest()
    assert client.get(review_url(sampled, "review_pdf")).content == content  # stored, served
    (artifacts / "review-sheet-signed.pdf").write_bytes(content)


def test_the_page_locks_a_signed_review_and_offers_the_reopening(client, sampled):  # noqa: F811
    reviewed(sampled)
    login(client, "caizheng")
    html = client.get(review_url(sampled)).content.decode()
    assert 'id="sign-review"' in html and "确认签发复核表（复核总分 86.23，复核等级 良）" in html
    client.post(review_url(sampled, "sign_review"))
    sample_page = reverse("assessments:sample", args=[sampled.sample.pk])
    html = client.get(sample_page).content.decode()
    assert '<td class="sheet-state"><span class="badge text-bg-success">已签发</span>' in html
    html = client.get(review_url(sampled)).content.decode()
    assert 'id="review-signed"' in html and 'id="reopen-review-form"' in html
    assert "保存复核得分" not in html and 'name="score_1"' in html and "disabled" in html
    data = {"budget_score": "10", "score_1": "50", "score_2": "30", "score_3": "10"}
    client.post(review_url(sampled), data)
    assert ReviewScore.objects.get().total_score == Decimal("86.23")
    client.post(review_url(sampled, "reopen_review"), {"reason": "重新核对"})
    html = client.get(review_url(sampled)).content.decode()
    assert 'id="review-voided"' in html and "由 caizheng 重新打开：重新核对" in html
    assert "保存复核得分" in html


def test_the_nightly_check_covers_the_signed_review_sheets(client, sampled):  # noqa: F811
    reviewed(sampled)
    login(client, "caizheng")
    client.post(review_url(sampled, "sign_review"))
    client.get(review_url(sampled, "review_pdf"))
    report = verify_signatures()
    assert report.ok and report.pdfs == 1 and report.signatures >= 1
    # A score changed behind the application's back no longer matches what was signed.
    ReviewIndicatorScore.objects.filter(position=1).update(score=Decimal("20"))
    report = verify_signatures()
    assert [m.problem for m in report.mismatches] == ["复核当前的得分与签发内容不符"]
    assert "复核表 · " in str(report.mismatches[0])


def test_the_tables_page_shows_both_grades_and_the_signed_review_sheet(client, sampled):  # noqa: F811
    reviewed(sampled)
    signature = review_sheets.sign_review(sampled.sampled.pk, by=sampled.people["bureau_reviewer"])
    login(client, "caizheng")
    html = client.get(sampled.tables[0].get_absolute_url()).content.decode()
    section = html[html.index('id="bureau-reviews"') :]
    assert "<th>自评等级</th>" in section and "<th>复核等级</th>" in section
    assert "<td>优</td>" in section and "良 <span" in section and "等级不同" in section
    assert reverse("verify:hash", args=[signature.content_hash]) in section
