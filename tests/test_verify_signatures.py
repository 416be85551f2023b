"""verify_signatures checks the signatures themselves: SM2 of each row, PAdES of each PDF."""

import hashlib
import io
import json
from io import StringIO

import pikepdf
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import override_settings

from assessments.models import Indicator, Signature
from assessments.trust import keys, pdf_signature, signing

from .database import change_signature


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def verify():
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_signatures", stdout=out, stderr=err)
    except CommandError as error:
        return False, out.getvalue() + err.getvalue() + str(error)
    return True, out.getvalue() + err.getvalue()


def signature_of(project):
    return Signature.objects.get(assessment__project__name=project, assessment__kind="assessment")


def blank_pdf():
    document = pikepdf.new()
    document.add_blank_page()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def store_pdf(signature, content):
    """The file as the signature's stored copy, with its SHA-256 recorded beside it."""
    signature.pdf.save(f"signed-{signature.pk}.pdf", ContentFile(content), save=False)
    Signature.objects.filter(pk=signature.pk).update(
        pdf=signature.pdf.name, pdf_sha256=hashlib.sha256(content).hexdigest()
    )


def other_key_file(tmp_path):
    path = tmp_path / "other.pem"
    keys.write_key_file(path, retired=[], common_name="别人的证书")
    return keys._parse(str(path), 0, 0)


def test_a_row_rewritten_with_its_table_and_its_hash_is_reported(demo):
    """Table, snapshot and hash changed together: every hash agrees, the SM2 signature not."""
    signature = signature_of("宣传费")
    assert verify()[0]
    snapshot = json.loads(json.dumps(signature.snapshot))
    snapshot["indicators"][0]["score"] = "0.00"
    change_signature(signature.pk, snapshot=snapshot, content_hash=signing.content_hash(snapshot))
    first = signature.assessment.indicators.order_by("position").first()
    Indicator.objects.filter(pk=first.pk).update(score=0)
    ok, report = verify()
    assert not ok
    assert f"签发记录 {signature.pk}" in report and "签名无效：SM2 签名无效" in report
    assert "自评表当前内容与签发内容不符" not in report
    assert "发现 1 处不符" in report


def test_a_stored_pdf_signed_by_another_certificate_is_reported(demo, tmp_path):
    """The file replaced and its recorded hash with it: only its PAdES signature tells."""
    genuine, replaced = Signature.objects.valid().order_by("pk")[:2]
    store_pdf(genuine, pdf_signature.sign_pdf(blank_pdf()))
    store_pdf(replaced, pdf_signature.sign_pdf(blank_pdf(), other_key_file(tmp_path)))
    ok, report = verify()
    assert not ok
    assert f"签发记录 {replaced.pk}" in report
    assert "签发版 PDF 不是由本系统的证书签名" in report
    assert f"签发记录 {genuine.pk}" not in report
    assert "已核验 16 条签发记录、2 份签发版 PDF" in report  # 13 before, 2 监控表, 1 部门整体


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda signed: signed.replace(b"612", b"611", 1), "签发版 PDF 签名后被改动过"),
        (lambda signed: signed + b"\n% appended\n", "签发版 PDF 在签名之后追加了内容"),
    ],
    ids=["changed", "appended"],
)
def test_a_stored_pdf_changed_after_signing_is_reported(demo, change, problem):
    """The file changed and its recorded hash with it."""
    signature = signature_of("宣传费")
    signed = pdf_signature.sign_pdf(blank_pdf())
    store_pdf(signature, signed)
    assert verify()[0]
    store_pdf(signature, change(signed))
    ok, report = verify()
    assert not ok
    assert f"签发记录 {signature.pk}" in report and problem in report


def test_a_stored_pdf_without_a_signature_is_reported(demo):
    signature = signature_of("宣传费")
    store_pdf(signature, blank_pdf())
    ok, report = verify()
    assert not ok
    assert f"签发记录 {signature.pk}" in report and "签发版 PDF 的签名无法读取" in report


def test_a_pdf_signed_with_a_rotated_key_still_verifies(demo, tmp_path):
    """After a rotation the old certificate is the one registered with the old key."""
    signature = signature_of("宣传费")
    store_pdf(signature, pdf_signature.sign_pdf(blank_pdf()))
    path = tmp_path / "rotating.pem"
    path.write_bytes(keys.key_path().read_bytes())
    with override_settings(SIGNING_KEY_FILE=path):
        signing.current_key()  # the key in use is registered with its certificate
        call_command("create_signing_key", "--rotate", stdout=StringIO())
        ok, report = verify()
    assert ok, report


def test_without_the_key_file_nothing_is_said_to_agree(demo, tmp_path):
    with override_settings(SIGNING_KEY_FILE=tmp_path / "deleted.pem"):
        ok, report = verify()
    assert not ok
    count = Signature.objects.count()
    assert f"服务器没有签名密钥文件：{count} 条 SM2 签名" in report
    assert "全部相符" not in report
