"""Rows without a key: only those the cut-over to keyed signing recorded stand, as 旧版签发."""

import datetime
import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from assessments.models import Indicator, LegacySignature, Signature
from assessments.trust import signing, snapshot
from assessments.trust.signing import SignatureState, check_signature

from .database import as_table_owner, change_signature

cutover = importlib.import_module("assessments.migrations.0016_sig_cutover")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(params=["with-key", "without-key"])
def key_file(request, tmp_path):
    """The server with its key file, and with the key file deleted."""
    if request.param == "with-key":
        yield request.param
        return
    with override_settings(SIGNING_KEY_FILE=tmp_path / "deleted.pem"):
        yield request.param


def signature_of(project):
    return Signature.objects.select_related("key").get(
        assessment__project__name=project, assessment__kind="assessment"
    )


def login(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def before_keys(signature):
    """The row as a sign-off stored before keys left it: version 1, no key, no value."""
    record = snapshot.record_of(signature.assessment)
    change_signature(
        signature.pk,
        snapshot=record,
        content_hash=signing.content_hash(record),
        key=None,
        value="",
        version=1,
    )
    return Signature.objects.get(pk=signature.pk)


def record_cutover():
    """What 0016_sig_cutover does on an installation that holds these rows."""
    with as_table_owner():
        LegacySignature.objects.bulk_create(
            LegacySignature(signature_id=pk, content_hash=content_hash)
            for pk, content_hash in cutover.legacy_signatures(
                apps.get_model("assessments", "Signature"), connection.alias
            )
        )


def installation_before_keys():
    """Every sign-off stored before keys, then the cut-over recorded: 宣传费's row."""
    for signature in Signature.objects.all():
        before_keys(signature)
    record_cutover()
    return signature_of("宣传费")


def forge_sign_off(project):
    """The finding: with write access to the database alone, change a signed score, void the
    genuine row and insert one without key and value, its snapshot and SHA-256 computed as
    the code computes them, dated long before keys, with an id below every other row's."""
    genuine = signature_of(project)
    assessment = genuine.assessment
    row = assessment.indicators.order_by("position").first()
    Indicator.objects.filter(pk=row.pk).update(score=row.weight)
    change_signature(genuine.pk, voided_at=datetime.datetime(2021, 1, 1, tzinfo=datetime.UTC))
    record = snapshot.record_of(assessment)
    forged = Signature.objects.create(
        pk=min(Signature.objects.values_list("pk", flat=True)) - 1,
        assessment=assessment,
        snapshot=record,
        content_hash=signing.content_hash(record),
        signed_by=genuine.signed_by,
        signed_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        version=1,
    )
    assert signing.content_hash(forged.snapshot) == forged.content_hash
    return forged


def verify():
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_signatures", stdout=out, stderr=err)
    except CommandError as error:
        return False, out.getvalue() + err.getvalue() + str(error)
    return True, out.getvalue() + err.getvalue()


def test_the_cut_over_lists_the_rows_without_a_key_stored_before_the_first_keyed_one(demo):
    first, second, *rest = Signature.objects.order_by("pk")
    before_keys(first)
    later = before_keys(rest[-1])  # without a key, but stored after keyed rows
    assert cutover.legacy_signatures(
        apps.get_model("assessments", "Signature"), connection.alias
    ) == [(first.pk, Signature.objects.get(pk=first.pk).content_hash)]
    assert later.key_id is None and second.key_id is not None


def test_an_installation_without_keyed_rows_keeps_every_row_as_signed_before_keys(demo):
    installation_before_keys()
    assert LegacySignature.objects.count() == Signature.objects.count()
    states = {check_signature(s) for s in Signature.objects.all()}
    assert states == {SignatureState.HASH_ONLY}


def test_a_forged_sign_off_without_a_key_is_forged_everywhere(client, demo, key_file):
    forged = forge_sign_off("宣传费")
    assert check_signature(forged) == SignatureState.FORGED

    login(client, "tianbao")
    detail = client.get(reverse("assessments:detail", args=[forged.assessment_id]))
    text = detail.content.decode()
    assert 'id="signature-forged"' in text and "签名无效" in text
    assert 'id="signature"' not in text and "旧版签发" not in text

    download = client.get(reverse("assessments:pdf", args=[forged.assessment_id]))
    assert download.status_code == 409
    assert "签名无效" in download.content.decode()
    forged.refresh_from_db()
    assert not forged.pdf  # nothing was rendered, let alone signed with the server's key

    client.logout()
    verify_page = client.get(reverse("verify:hash", args=[forged.content_hash]))
    text = verify_page.content.decode()
    assert 'id="verify-forged"' in text
    assert "有效：" not in text and "旧版签发" not in text

    ok, report = verify()
    assert not ok
    assert f"签发记录 {forged.pk}" in report
    assert "没有 SM2 签名，也不是启用数字签名前的签发记录" in report


def test_a_row_on_the_list_whose_content_and_hash_were_rewritten_is_forged(demo, key_file):
    legacy = installation_before_keys()
    assert check_signature(legacy) == SignatureState.HASH_ONLY
    changed = legacy.snapshot | {"goal": "改写的预期目标"}
    change_signature(legacy.pk, snapshot=changed, content_hash=signing.content_hash(changed))
    assert check_signature(Signature.objects.get(pk=legacy.pk)) == SignatureState.FORGED


def test_a_forged_row_put_on_the_list_past_the_triggers_is_still_forged(demo, key_file):
    """The table's owner adds the forged row to the list: it comes after keyed rows."""
    forged = forge_sign_off("宣传费")
    change_signature(forged.pk, id=Signature.objects.order_by("-pk").first().pk + 1)
    forged = Signature.objects.get(assessment=forged.assessment, voided_at__isnull=True)
    with as_table_owner():
        LegacySignature.objects.create(signature=forged, content_hash=forged.content_hash)
    assert check_signature(forged) == SignatureState.FORGED


def test_a_row_on_the_list_given_a_later_version_is_forged(demo):
    legacy = installation_before_keys()
    change_signature(legacy.pk, version=snapshot.CURRENT_VERSION)
    assert check_signature(Signature.objects.get(pk=legacy.pk)) == SignatureState.FORGED


def test_a_sign_off_from_before_keys_shows_as_such_and_never_plainly_valid(client, demo, key_file):
    legacy = installation_before_keys()
    assert check_signature(legacy) == SignatureState.HASH_ONLY

    text = (
        login(client, "tianbao")
        .get(reverse("assessments:detail", args=[legacy.assessment_id]))
        .content.decode()
    )
    assert 'id="signature-legacy"' in text and "旧版签发（仅摘要）" in text
    assert "SM2 签名有效" not in text and "签名无效" not in text
    # Its signed copy is still handed out (the workbook; the PDF prints from the same table).
    workbook = client.get(reverse("assessments:xlsx", args=[legacy.assessment_id]))
    assert workbook.status_code == 200

    client.logout()
    text = client.get(reverse("verify:hash", args=[legacy.content_hash])).content.decode()
    assert 'id="verify-legacy"' in text and "旧版签发（仅摘要）" in text
    assert "有效：" not in text and "签名无效" not in text


def test_verify_signatures_reports_the_rows_from_before_keys(demo):
    installation_before_keys()
    ok, report = verify()
    assert ok, report
    count = Signature.objects.count()
    assert f"其中 {count} 条为启用数字签名前的旧版签发（仅摘要）" in report
