"""Signed copies: stored once, served byte for byte, verifiable by their content hash."""

import base64
import io
import re
from urllib.parse import quote

import pytest
import segno
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Project, Signature
from assessments.paper import printable
from assessments.paper import stored as paper_stored
from assessments.services import workflow
from assessments.trust import copies, signing

from .database import change_signature, resign
from .factories import AssessmentFactory, UserFactory, login, member, user
from .pdftools import pdf_text

pytestmark = pytest.mark.usefixtures("media")

HASH_PRINTED = re.compile(r"内容摘要（SHA-256）：\s*((?:[0-9a-f]{8} ){7}[0-9a-f]{8})")


def pdf_url(project):
    return reverse(
        "assessments:pdf",
        args=[Assessment.objects.self_assessments().get(project__name=project).pk],
    )


def download(client, project):
    response = client.get(pdf_url(project))
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == "application/pdf"
    return response, b"".join(
        response.streaming_content
    ) if response.streaming else response.content


def printed_hash(content):
    match = HASH_PRINTED.search(pdf_text(content))
    assert match, "no content hash printed"
    return match.group(1).replace(" ", "")


@pytest.mark.slow
def test_first_download_stores_the_signed_copy_and_later_ones_serve_it_byte_for_byte(client, demo):
    login(client, "tianbao")
    signature = Signature.objects.get(assessment__project__name="宣传费")
    assert not signature.pdf
    response, first = download(client, "宣传费")
    signature.refresh_from_db()
    assert signature.pdf
    with signature.pdf.open("rb") as stored:
        assert stored.read() == first
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''" + quote("2022-宣传费-绩效自评表.pdf")
    )
    _, second = download(client, "宣传费")
    assert second == first


def test_an_imported_signed_table_says_its_pdf_comes_with_the_first_download(client, demo):
    assessment = Assessment.objects.self_assessments().get(project__name="宣传费")
    assert assessment.valid_signature().signed_by is None
    detail = login(client, "tianbao").get(assessment.get_absolute_url()).content.decode()
    assert "签发版 PDF 尚未生成，下载时将自动生成。" in detail
    assert "正在后台生成" not in detail


@pytest.mark.slow
def test_a_signed_copy_lost_from_the_storage_is_rendered_again_from_the_snapshot(client, demo):
    login(client, "tianbao")
    download(client, "宣传费")
    signature = Signature.objects.get(assessment__project__name="宣传费")
    signature.pdf.storage.delete(signature.pdf.name)
    _, again = download(client, "宣传费")
    assert printed_hash(again) == signature.content_hash
    signature.refresh_from_db()
    assert signature.pdf.storage.exists(signature.pdf.name)


@pytest.mark.slow
def test_signed_copy_is_unchanged_after_the_data_changes(client, demo):
    login(client, "tianbao")
    _, before = download(client, "宣传费")
    assessment = Assessment.objects.get(project__name="宣传费")
    Assessment.objects.filter(pk=assessment.pk).update(goal="签发后被改动的目标")
    Project.objects.filter(pk=assessment.project_id).update(name="宣传费（改名）")
    response = client.get(reverse("assessments:pdf", args=[assessment.pk]))
    after = b"".join(response.streaming_content)
    assert after == before
    assert "签发后被改动的目标" not in pdf_text(after)


@pytest.mark.slow
def test_signed_copy_prints_the_signed_snapshot_even_if_the_data_changed_before_first_download(
    client, demo
):
    login(client, "tianbao")
    assessment = Assessment.objects.self_assessments().get(project__name="邮寄费")
    signed_goal = assessment.goal
    Assessment.objects.filter(pk=assessment.pk).update(goal="签发后被改动的目标")
    _, content = download(client, "邮寄费")
    text = "".join(pdf_text(content).split())
    assert "".join(signed_goal.split())[:20] in text
    assert "签发后被改动的目标" not in text


@pytest.mark.slow
def test_reopened_table_renders_current_data_with_the_watermark(client, demo):
    login(client, "tianbao")
    _, signed = download(client, "宣传费")
    assessment = Assessment.objects.get(project__name="宣传费")
    change_signature(
        assessment.valid_signature().pk, voided_at=timezone.now(), void_reason="重新打开修改"
    )
    Assessment.objects.filter(pk=assessment.pk).update(
        status=Assessment.Status.DRAFT, goal="重新打开后修改的目标"
    )
    response = client.get(reverse("assessments:pdf", args=[assessment.pk]))
    draft = response.content
    assert draft != signed
    text = pdf_text(draft)
    assert "草稿 · 未经审核签发" in text
    assert "重新打开后修改的目标" in text
    assert "内容摘要" not in text
    assert (
        "filename*=utf-8''" + quote("2022-宣传费-绩效自评表（草稿）.pdf")
        in (response["Content-Disposition"])
    )


@pytest.mark.slow
def test_store_signed_pdf_saves_through_the_storage_api_and_prints_the_hash(demo):
    signature = Signature.objects.get(assessment__project__name="外省市差旅费")
    stored = paper_stored.store_signed_pdf(signature)
    assert stored.name.startswith("signed/")
    assert Signature.objects.get(pk=signature.pk).pdf.name == stored.name
    with stored.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF")
    assert printed_hash(content) == signature.content_hash


@pytest.mark.slow
def test_signed_tables_without_their_pdf_get_it_laid_out_by_the_workers(client, demo):
    """Signed tables that came without a stored PDF (generated, restored without the files)
    get theirs several at a time; each is the copy its download then serves."""
    signatures = list(Signature.objects.filter(pdf="").order_by("pk")[:3])
    assert len(signatures) == 3
    paper_stored.store_signed_pdfs(signatures)
    login(client, "tianbao")
    for signature in signatures:
        signature.refresh_from_db()
        with signature.pdf.open("rb") as handle:
            content = handle.read()
        assert printed_hash(content) == signature.content_hash
        _, served = download(client, signature.assessment.project.name)
        assert served == content


def test_a_signature_whose_snapshot_does_not_match_its_hash_gives_no_signed_copy(client, demo):
    signature = Signature.objects.get(assessment__project__name="宣传费")
    tampered = {**signature.snapshot, "goal": "篡改"}
    change_signature(signature.pk, snapshot=tampered)
    with pytest.raises(copies.SignedCopyError):
        paper_stored.store_signed_pdf(Signature.objects.get(pk=signature.pk))
    response = login(client, "tianbao").get(pdf_url("宣传费"))
    assert response.status_code == 409
    assert "摘要不符" in response.content.decode()


@pytest.mark.slow
def test_verification_accepts_the_hash_printed_on_a_signed_pdf(client, demo):
    _, content = download(login(client, "tianbao"), "宣传费")
    digest = printed_hash(content)
    client.logout()
    response = client.get(reverse("verify:hash", args=[digest]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "有效" in text and "宣传费" in text and "2022 年度" in text
    assert "上海市闵行区社会保障服务中心" in text


@pytest.mark.slow
def test_verification_rejects_a_changed_hash(client, demo):
    _, content = download(login(client, "tianbao"), "宣传费")
    digest = printed_hash(content)
    changed = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    client.logout()
    response = client.get(reverse("verify:hash", args=[changed]))
    assert response.status_code == 404
    text = response.content.decode()
    assert "未找到" in text and "宣传费" not in text


def test_verification_of_a_reopened_table_shows_neither_the_reason_nor_the_signer(client, demo):
    signature = Signature.objects.get(assessment__project__name="宣传费")
    shenhe = user("shenhe")
    resign(signature.pk, signed_by=shenhe)
    juzhang = user("juzhang")
    workflow.reopen_assessment(
        signature.assessment_id, by=juzhang, reason="内部原因：预算科要求改数"
    )
    text = client.get(reverse("verify:hash", args=[signature.content_hash])).content.decode()
    assert "已作废" in text
    assert "内部原因" not in text and "预算科" not in text
    for name in (shenhe.username, shenhe.get_full_name(), juzhang.get_full_name(), "tianbao"):
        assert name not in text
    assert "宣传费" in text and "2022 年度" in text and "上海市闵行区社会保障服务中心" in text
    assert (
        signature.signed_at.astimezone(timezone.get_current_timezone()).strftime("%Y年%-m月%-d日")
        in text
    )


def test_verification_shows_what_the_paper_shows_not_what_the_table_is_called_now(client, demo):
    signature = Signature.objects.get(assessment__project__name="宣传费")
    Project.objects.filter(pk=signature.assessment.project_id).update(name="改名后的项目")
    text = client.get(reverse("verify:hash", args=[signature.content_hash])).content.decode()
    assert "宣传费" in text and "改名后的项目" not in text


def test_verification_says_when_a_stored_snapshot_no_longer_matches_its_hash(client, demo):
    signature = Signature.objects.get(assessment__project__name="宣传费")
    change_signature(signature.pk, snapshot={**signature.snapshot, "goal": "改"})
    text = client.get(reverse("verify:hash", args=[signature.content_hash])).content.decode()
    result = text.split('id="verify-result"')[1]
    assert "与签发内容不符" in result and "有效：" not in result and ">有效<" not in result


def test_the_verify_page_is_limited_per_address(client, demo, settings):
    settings.VERIFY_LIMIT_PER_ADDRESS = (3, 60)
    signature = Signature.objects.get(assessment__project__name="宣传费")
    url = reverse("verify:hash", args=[signature.content_hash])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(url)
    assert response.status_code == 429 and "请求过于频繁" in response.content.decode()
    assert client.get(url, REMOTE_ADDR="10.0.0.8").status_code == 200


def test_verification_form_accepts_a_pasted_hash_with_spaces_and_capitals(client, demo):
    signature = Signature.objects.get(assessment__project__name="宣传费")
    grouped = " ".join(signature.content_hash[i : i + 8] for i in range(0, 64, 8)).upper()
    response = client.get(reverse("verify:form"), {"content_hash": grouped})
    assert response.status_code == 302
    assert response.url == reverse("verify:hash", args=[signature.content_hash])


@pytest.mark.parametrize("value", ["abc", "z" * 64, "<script>alert(1)</script>"])
def test_verification_form_explains_a_malformed_hash(client, db, value):
    response = client.get(reverse("verify:form"), {"content_hash": value})
    assert response.status_code == 200
    text = response.content.decode()
    assert "64 位十六进制字符" in text
    assert "<script>alert(1)</script>" not in text


def test_verification_page_refuses_post(client, db):
    assert client.post(reverse("verify:form")).status_code == 405


def test_content_hash_printed_equals_the_hash_of_the_canonical_snapshot(demo):
    assessment = Assessment.objects.with_tree().get(project__name="征地养老费支出")
    signature = assessment.signatures.get()
    assert signature.content_hash == signing.content_hash(signature.snapshot)
    assert signing.signed_content(signature) == signing.canonical_snapshot(assessment)
    item = printable.printable(assessment)
    assert item.signature == signature
    assert item.verify_url.endswith(reverse("verify:hash", args=[signature.content_hash]))
    assert_qr_encodes(item.qr, item.verify_url)


def assert_qr_encodes(data_uri, url):
    """The QR image holds exactly the modules of `url`'s code, one pixel each."""
    from PIL import Image

    header, _, encoded = data_uri.partition(",")
    assert header == "data:image/png;base64"
    image = Image.open(io.BytesIO(base64.b64decode(encoded))).convert("1")
    expected = segno.make(url, error="m").matrix
    assert image.size == (len(expected[0]), len(expected))
    dark = [[image.getpixel((x, y)) == 0 for x in range(image.width)] for y in range(image.height)]
    assert dark == [[bool(module) for module in row] for row in expected]


def test_anonymous_and_outsiders_get_no_pdf(client, demo, outsider):
    url = pdf_url("宣传费")
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert (
        client.get(
            reverse("assessments:print", args=[Assessment.objects.get(project__name="宣传费").pk])
        ).status_code
        == 404
    )


def test_pdf_download_refuses_post(client, demo):
    assert login(client, "tianbao").post(pdf_url("宣传费")).status_code == 405


def test_print_page_shows_the_table_with_its_actions(client, demo):
    assessment = Assessment.objects.get(project__name="宣传费")
    response = login(client, "tianbao").get(reverse("assessments:print", args=[assessment.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "财政项目支出绩效自评表" in text and "data-print" in text
    assert reverse("assessments:pdf", args=[assessment.pk]) in text
    assert "签发版" in text


def test_print_page_of_a_draft_applies_the_print_settings(client, db):
    assessment = AssessmentFactory()
    preparer = member(UserFactory(username="preparer"), assessment.project.unit, "preparer")
    client.force_login(preparer)
    url = reverse("assessments:print", args=[assessment.pk])
    text = client.get(
        url, {"options": "1", "money_unit": "万元", "show_empty_level2": "on"}
    ).content.decode()
    assert "（万元）" in text and "1.00" in text
    assert "经济效益指标" in text
    assert "official-signatures" not in text
    assert "草稿" in text
    invalid = client.get(url, {"options": "1", "money_unit": "美元"}).content.decode()
    assert "打印设置无效" in invalid
    response = client.get(
        reverse("assessments:pdf", args=[assessment.pk]), {"options": "1", "money_unit": "美元"}
    )
    assert response.status_code == 400
    assert "打印设置无效" in response.content.decode()


def test_detail_page_offers_print_and_pdf(client, demo):
    assessment = Assessment.objects.get(project__name="宣传费")
    text = (
        login(client, "tianbao")
        .get(reverse("assessments:detail", args=[assessment.pk]))
        .content.decode()
    )
    assert reverse("assessments:print", args=[assessment.pk]) in text
    assert reverse("assessments:pdf", args=[assessment.pk]) in text
    assert "下载 PDF" in text and "打印" in text


def test_the_pdf_is_signed_also_where_an_event_loop_is_running():
    """A caller inside a running event loop (as the browser tests' thread is) still gets a
    signed PDF: pyHanko's own loop then runs in a thread of its own."""
    import asyncio
    import threading

    from assessments.trust import pdf_signature

    results = []

    def in_a_thread_with_a_loop():
        async def inside():
            return pdf_signature.outside_event_loop(lambda: asyncio.run(asyncio.sleep(0, "signed")))

        loop = asyncio.new_event_loop()
        try:
            results.append(loop.run_until_complete(inside()))
        finally:
            loop.close()

    thread = threading.Thread(target=in_a_thread_with_a_loop)
    thread.start()
    thread.join()
    assert results == ["signed"]
