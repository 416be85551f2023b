"""The restore drill: back up, restore into an empty installation, re-verify every signature."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from assessments import backup
from assessments.models import Assessment, Signature
from assessments.paper import stored

from .database import as_owner, change_signature

pytestmark = pytest.mark.usefixtures("media")

drill = pytest.mark.django_db(transaction=True)


def verify():
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_signatures", stdout=out, stderr=err)
    except CommandError as error:
        return False, out.getvalue() + err.getvalue() + str(error)
    return True, out.getvalue()


def empty_the_installation():
    call_command("flush", "--no-input", verbosity=0)
    for name in backup.stored_files():
        default_storage.delete(name)


def state():
    return {
        "assessments": sorted(Assessment.objects.values_list("pk", "version", "status")),
        "signatures": sorted(
            Signature.objects.values_list("pk", "content_hash", "pdf", "pdf_sha256")
        ),
        "users": sorted(User.objects.values_list("username", "password")),
        "files": {name: default_storage.open(name).read() for name in backup.stored_files()},
    }


@pytest.fixture
def signed_pdfs(demo):
    """The demo with the stored signed PDF of two tables."""
    signatures = list(Signature.objects.valid().order_by("pk")[:2])
    for signature in signatures:
        stored.store_signed_pdf(signature)
    return signatures


@drill
def test_backup_then_restore_into_an_empty_installation_gives_back_everything(
    signed_pdfs, tmp_path
):
    before = state()
    assert len(before["files"]) == 2 and all(s[3] for s in before["signatures"] if s[2])
    archive = tmp_path / "jixiao.tar"
    call_command("backup", "-o", str(archive), stdout=StringIO())
    empty_the_installation()
    assert not Assessment.objects.exists() and not list(backup.stored_files())

    out = StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "已恢复 12 张自评表、2 个文件" in out.getvalue()  # 11 projects', 1 department's
    connection.close()
    # The restore leaves out the rights; `migrate` as the owner grants the application's role
    # its own again (docs/operations.md).
    with as_owner():
        call_command("migrate", "--no-input", verbosity=0)
    assert state() == before
    ok, report = verify()
    assert ok, report
    count = Signature.objects.count()
    assert f"已核验 {count} 条签发记录、2 份签发版 PDF（其中 0 份没有记录文件摘要）" in report


@drill
def test_restore_refuses_an_installation_that_holds_data(signed_pdfs, tmp_path):
    archive = tmp_path / "jixiao.tar"
    call_command("backup", "-o", str(archive), stdout=StringIO())
    before = state()
    with pytest.raises(CommandError, match="目标系统不是空的"):
        call_command("restore", str(archive), stdout=StringIO())
    assert state() == before


@drill
def test_verify_signatures_reports_a_tampered_stored_pdf(signed_pdfs):
    assert verify()[0]
    tampered = signed_pdfs[1]
    tampered.refresh_from_db()
    content = default_storage.open(tampered.pdf.name).read()
    default_storage.delete(tampered.pdf.name)
    # An incremental update appended after %%EOF: the file still opens, its hash differs.
    changed = content + b"\n% changed later\n"
    default_storage.save(tampered.pdf.name, ContentFile(changed))
    ok, report = verify()
    assert not ok
    assert f"签发记录 {tampered.pk}" in report and "签发版 PDF 与记录的文件摘要不符" in report
    assert "发现 1 处不符" in report


@drill
def test_verify_signatures_reports_a_snapshot_or_a_table_changed_in_the_database(demo):
    first, second = Signature.objects.valid().order_by("pk")[:2]
    snapshot = first.snapshot | {"goal": first.snapshot["goal"] + "（改）"}
    change_signature(first.pk, snapshot=snapshot)  # as the database's owner could
    Assessment.objects.filter(pk=second.assessment_id).update(outcome="改过的实际完成情况")
    ok, report = verify()
    assert not ok
    assert f"签发记录 {first.pk}" in report and "签发内容与记录的内容摘要不符" in report
    assert f"签发记录 {second.pk}" in report and "自评表当前内容与签发内容不符" in report


@drill
def test_the_backup_archive_is_readable_by_its_owner_only(tmp_path, settings):
    import os
    import stat

    settings.MEDIA_ROOT.mkdir()
    archive = tmp_path / "backup.tar"
    previous = os.umask(0o022)
    try:
        call_command("backup", "-o", str(archive), stdout=StringIO())
    finally:
        os.umask(previous)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
