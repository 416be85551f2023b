"""Signatures that someone with the database cannot forge: SM2 over the snapshot and its place."""

import base64
import hashlib
import json
import subprocess
from decimal import Decimal
from io import StringIO

import gmalg
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, Indicator, ReportingYear, Signature, SigningKey
from assessments.trust import keys, signers, signing
from assessments.trust.signing import SignatureState, check_signature

from .database import as_table_owner, change_signature
from .factories import login

pytestmark = pytest.mark.usefixtures("media")


def signature_of(project):
    return Signature.objects.select_related("key").get(
        assessment__project__name=project, assessment__kind="assessment"
    )


def forge_score(project, score="0.00"):
    """What the finding did: change a signed score, then store a snapshot and a SHA-256
    recomputed with hashlib, in plain SQL."""
    signature = signature_of(project)
    snapshot = json.loads(json.dumps(signature.snapshot))
    snapshot["indicators"][0]["score"] = score
    canonical = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    with as_table_owner(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Signature._meta.db_table} SET snapshot = %s, content_hash = %s WHERE id = %s",
            [canonical, digest, signature.pk],
        )
    Indicator.objects.filter(
        assessment=signature.assessment,
        position=min(signature.assessment.indicators.values_list("position", flat=True)),
    ).update(score=Decimal(score))
    return digest


def test_a_sign_off_carries_an_sm2_signature_by_the_registered_key(demo):
    signature = signature_of("宣传费")
    key_file = keys.load_key_file()
    assert signature.key.fingerprint == key_file.fingerprint
    assert signature.key.algorithm == "SM2-SM3"
    assert bytes.fromhex(signature.key.public_key) == key_file.public_key
    assert len(signature.value) == 128
    assert check_signature(signature) == SignatureState.VALID


@pytest.mark.slow
def test_the_signature_verifies_with_openssl_as_a_standard_sm2_signature(demo, tmp_path):
    """Interoperability: OpenSSL checks the stored value with SM3 and the default SM2 id."""
    signature = signature_of("宣传费")
    public = bytes.fromhex(signature.key.public_key)
    spki = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200") + public
    (tmp_path / "pub.pem").write_text(
        "-----BEGIN PUBLIC KEY-----\n"
        + base64.encodebytes(spki).decode()
        + "-----END PUBLIC KEY-----\n"
    )

    def integer(raw):
        raw = raw.lstrip(b"\0")
        raw = b"\0" + raw if raw[0] & 0x80 else raw
        return b"\x02" + bytes([len(raw)]) + raw

    raw = bytes.fromhex(signature.value)
    body = integer(raw[:32]) + integer(raw[32:])
    (tmp_path / "sig.der").write_bytes(b"\x30" + bytes([len(body)]) + body)
    message = signing.signed_message(
        assessment_id=signature.assessment_id,
        signed_by_id=signature.signed_by_id,
        signed_at=signature.signed_at,
        snapshot=signature.snapshot,
    )

    def openssl_verifies(data):
        (tmp_path / "msg").write_bytes(data)
        result = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", tmp_path / "pub.pem",
             "-rawin", "-in", tmp_path / "msg", "-sigfile", tmp_path / "sig.der",
             "-digest", "sm3", "-pkeyopt", "distid:1234567812345678"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        return result.returncode == 0 and "Verified Successfully" in result.stdout

    assert openssl_verifies(message)
    assert not openssl_verifies(message.replace(b'"score":"', b'"score":"1', 1))


def test_a_signature_forged_in_the_database_shows_on_every_page(client, demo):
    digest = forge_score("宣传费")
    signature = signature_of("宣传费")
    assert signing.content_hash(signature.snapshot) == signature.content_hash == digest
    assert check_signature(signature) == SignatureState.FORGED

    login(client, "tianbao")
    detail = client.get(reverse("assessments:detail", args=[signature.assessment_id]))
    text = detail.content.decode()
    assert detail.status_code == 200
    assert 'id="signature-forged"' in text and "签名无效" in text
    assert "SM2 签名有效" not in text

    download = client.get(reverse("assessments:pdf", args=[signature.assessment_id]))
    assert download.status_code == 409
    assert "签名无效" in download.content.decode()
    assert (
        client.get(reverse("assessments:xlsx", args=[signature.assessment_id])).status_code == 409
    )

    client.logout()
    verify = client.get(reverse("verify:hash", args=[digest]))
    text = verify.content.decode()
    assert 'id="verify-forged"' in text and "签名无效" in text
    assert "有效：" not in text


@pytest.mark.slow
def test_a_stored_pdf_is_not_served_once_its_row_is_forged(client, demo):
    login(client, "tianbao")
    assessment_id = signature_of("邮寄费").assessment_id
    first = client.get(reverse("assessments:pdf", args=[assessment_id]))
    assert first.status_code == 200
    forge_score("邮寄费")
    assert client.get(reverse("assessments:pdf", args=[assessment_id])).status_code == 409


def test_a_key_added_to_the_database_is_not_trusted(client, demo):
    """Someone with the database makes a key pair of their own and signs the forged row."""
    digest = forge_score("宣传费")
    signature = signature_of("宣传费")
    private, public = gmalg.SM2().generate_keypair()
    rogue = SigningKey.objects.create(
        fingerprint=keys.fingerprint(public), algorithm=keys.ALGORITHM, public_key=public.hex()
    )
    message = signing.signed_message(
        assessment_id=signature.assessment_id,
        signed_by_id=signature.signed_by_id,
        signed_at=signature.signed_at,
        snapshot=signature.snapshot,
    )
    r, s = gmalg.SM2(private, keys.SM2_UID, public).sign(message)
    change_signature(signature.pk, key=rogue, value=(r.rjust(32, b"\0") + s.rjust(32, b"\0")).hex())
    assert check_signature(signature_of("宣传费")) == SignatureState.FORGED
    text = client.get(reverse("verify:hash", args=[digest])).content.decode()
    assert "签名无效" in text


@pytest.mark.parametrize(
    "change",
    [
        {"signed_at": timezone.now()},
        {"value": "0" * 128},
        {"value": "xyz"},
    ],
    ids=["backdated", "zero-signature", "not-hex"],
)
def test_a_row_moved_in_time_or_with_another_value_is_forged(demo, change):
    signature = signature_of("宣传费")
    change_signature(signature.pk, **change)
    assert check_signature(signature_of("宣传费")) == SignatureState.FORGED


def test_a_row_moved_to_another_signer_is_forged(demo):
    signature = signature_of("宣传费")
    other = get_user_model().objects.get(username="juzhang")
    change_signature(signature.pk, signed_by=other)
    assert check_signature(signature_of("宣传费")) == SignatureState.FORGED


def test_a_valid_signature_says_so_on_the_detail_and_verify_pages(client, demo):
    signature = signature_of("宣传费")
    text = (
        login(client, "tianbao")
        .get(reverse("assessments:detail", args=[signature.assessment_id]))
        .content.decode()
    )
    assert "SM2 签名有效" in text and "签名无效" not in text
    client.logout()
    text = client.get(reverse("verify:hash", args=[signature.content_hash])).content.decode()
    assert "有效：" in text and "签名无效" not in text


def test_rotation_keeps_old_signatures_valid_and_signs_with_the_new_key(demo, tmp_path):
    path = tmp_path / "rotating.pem"
    keys.write_key_file(path, retired=[], common_name="轮换")
    with override_settings(SIGNING_KEY_FILE=path):
        people = {u.username: u for u in get_user_model().objects.all()}
        assessment = Assessment.objects.get(project__name="宣传费")
        services.void_signatures(assessment, by=people["juzhang"], reason="测试")
        old = services.sign(assessment, by=people["shenhe"])
        old_fingerprint = keys.load_key_file().fingerprint
        with pytest.raises(CommandError, match="--rotate"):
            call_command("create_signing_key", stdout=StringIO())
        call_command("create_signing_key", "--rotate", stdout=StringIO())
        assert keys.load_key_file().fingerprint != old_fingerprint
        assert check_signature(Signature.objects.get(pk=old.pk)) == SignatureState.VALID
        services.void_signatures(assessment, by=people["juzhang"], reason="测试")
        new = services.sign(assessment, by=people["shenhe"])
        assert new.key.fingerprint == keys.load_key_file().fingerprint != old_fingerprint
        assert check_signature(new) == SignatureState.VALID
        assert SigningKey.objects.filter(fingerprint=old_fingerprint).exists()


def test_without_a_key_file_sign_off_is_refused_and_nothing_changes(demo, tmp_path):
    from assessments.services import workflow

    assessment = Assessment.objects.filter(status=Assessment.Status.SIGNED_OFF).first()
    # The demo's 2022 is closed, and a closed year takes no submission or sign-off.
    ReportingYear.objects.filter(pk=assessment.year_id).update(is_open=True)
    shenhe = get_user_model().objects.get(username="juzhang")
    workflow.reopen_assessment(assessment.pk, by=shenhe, reason="改")
    workflow.submit_assessment(assessment.pk, by=get_user_model().objects.get(username="tianbao"))
    with (
        override_settings(SIGNING_KEY_FILE=tmp_path / "missing.pem"),
        pytest.raises(services.AssessmentError, match="create_signing_key"),
    ):
        workflow.sign_off_assessment(assessment.pk, by=shenhe)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED


def test_a_private_key_that_starts_with_a_zero_byte_makes_a_working_key_file(tmp_path, monkeypatch):
    """One SM2 key in 256 starts with a zero byte: the file must still hold all 32 bytes."""
    new_private_key = signers.new_private_key

    def short_key():
        for _ in range(5000):
            private = new_private_key()
            if private[0] == 0:
                return private
        raise AssertionError("no short key in 5000 tries")

    monkeypatch.setattr(signers, "new_private_key", short_key)
    path = tmp_path / "short.pem"
    keys.write_key_file(path, retired=[], common_name="短密钥")
    with override_settings(SIGNING_KEY_FILE=path):
        key = keys.load_key_file()
        assert key.private_key is not None
        assert key.private_key[0] == 0 and len(key.private_key) == 32
        value = keys.sign(b"message", key)
        assert keys.verify(b"message", value, key.public_key)
