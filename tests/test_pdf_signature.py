"""The stored signed PDF carries a PAdES signature that pyHanko validates."""

import re
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from assessments.models import Signature
from assessments.trust import keys, pdf_signature

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("media")]


def signed_pdf(client, project="宣传费"):
    client.force_login(get_user_model().objects.get(username="tianbao"))
    signature = Signature.objects.get(
        assessment__project__name=project, assessment__kind="assessment"
    )
    response = client.get(reverse("assessments:pdf", args=[signature.assessment_id]))
    assert response.status_code == 200
    return signature, b"".join(response.streaming_content)


def status_of(content):
    return pdf_signature.validate_pdf(content, keys.load_key_file().pdf_cert_pem)


def test_the_stored_signed_pdf_validates_with_pyhanko(client, demo):
    signature, content = signed_pdf(client)
    status = status_of(content)
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    assert status.signing_cert.subject.native["common_name"] == "绩效自评 测试"
    assert re.fullmatch(rf"signed/\d{{4}}/{signature.pk}-{signature.content_hash[:12]}\.pdf",
                        Signature.objects.get(pk=signature.pk).pdf.name)  # fmt: skip


def test_one_changed_byte_fails_the_validation(client, demo):
    _, content = signed_pdf(client)
    # A byte of the page content, well inside the signed range (before the signature's part).
    position = content.index(b"stream", len(content) // 4) + 20
    changed = content[:position] + bytes([content[position] ^ 0x01]) + content[position + 1 :]
    assert changed != content
    try:
        status = status_of(changed)
    except Exception:  # an unreadable file fails too
        return
    assert not status.intact and not status.bottom_line


def test_a_certificate_other_than_the_key_files_is_not_trusted(client, demo, tmp_path):
    _, content = signed_pdf(client)
    other = tmp_path / "other.pem"
    keys.write_key_file(other, retired=[], common_name="别人")
    status = pdf_signature.validate_pdf(content, keys._parse(str(other), 0, 0).pdf_cert_pem)
    assert status.intact and not status.trusted and not status.bottom_line


def test_poppler_a_second_validator_finds_the_signature_valid_and_a_changed_byte_not(
    client, demo, tmp_path
):
    _, content = signed_pdf(client)
    (tmp_path / "signed.pdf").write_bytes(content)
    position = content.index(b"stream", len(content) // 4) + 20
    changed = content[:position] + bytes([content[position] ^ 0x01]) + content[position + 1 :]
    (tmp_path / "changed.pdf").write_bytes(changed)

    def pdfsig(name):
        result = subprocess.run(
            ["pdfsig", str(tmp_path / name)], capture_output=True, text=True, check=False
        )
        return result.stdout

    report = pdfsig("signed.pdf")
    assert "Signature Validation: Signature is Valid." in report
    assert "Total document signed" in report
    assert "Signature is Valid." not in pdfsig("changed.pdf")
