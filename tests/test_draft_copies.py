"""A draft's PDF is kept while the draft prints the same: downloaded or exported again
unchanged it is not laid out again; any change to what it prints lays it out anew."""

import logging
import os
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments.models import Assessment, Signature
from assessments.paper import draft_copies, printable, stored

from .factories import login
from .pdftools import pdf_text

pytestmark = pytest.mark.usefixtures("media")

UNIT = "上海市闵行区社会保障服务中心"


@pytest.fixture
def layouts(monkeypatch):
    """The tables this process lays out, as they are laid out."""
    laid: list[str] = []
    render = stored.render_pdf

    def counted(item):
        laid.append(item.table.assessment.project.name)
        return render(item)

    monkeypatch.setattr(stored, "render_pdf", counted)
    return laid


def draft(demo):
    assessment = Assessment.objects.filter(project__name="宣传费").get()
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.DRAFT)
    return Assessment.objects.with_tree().get(pk=assessment.pk)


@pytest.mark.slow
def test_a_draft_downloaded_again_unchanged_is_not_laid_out_again(client, demo, layouts):
    assessment = draft(demo)
    login(client, "tianbao")
    url = reverse("assessments:pdf", args=[assessment.pk])
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert layouts == ["宣传费"]
    assert "草稿" in pdf_text(second.content)


@pytest.mark.slow
def test_a_changed_draft_or_other_print_options_are_laid_out_anew(client, demo, layouts):
    assessment = draft(demo)
    login(client, "tianbao")
    url = reverse("assessments:pdf", args=[assessment.pk])
    before = client.get(url).content
    Assessment.objects.filter(pk=assessment.pk).update(outcome="年度目标已全部完成（已修改）")
    after = client.get(url).content
    assert "已修改" in pdf_text(after) and "已修改" not in pdf_text(before)
    client.get(url, {"options": "1", "money_unit": "万元"})
    assert layouts == ["宣传费"] * 3


def test_a_signed_table_is_never_kept_here(client, demo, settings):
    assessment = Assessment.objects.filter(project__name="宣传费").get()
    assert assessment.valid_signature() is not None
    login(client, "tianbao")
    response = client.get(reverse("assessments:pdf", args=[assessment.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert not list(draft_copies.folder().glob("*.pdf"))


@pytest.mark.slow
def test_export_pdf_again_lays_out_only_what_changed(demo, tmp_path, layouts, monkeypatch):
    Signature.objects.update(voided_at="2023-01-01T00:00:00+08:00", void_reason="重新打开")
    Assessment.objects.update(status=Assessment.Status.DRAFT)
    # One process: the layouts are counted here (the workers lay out the same way).
    monkeypatch.setattr("assessments.paper.pool.POOL_FROM", 1000)
    args = ["export_pdf", "--year", "2022", "--unit", UNIT]
    call_command(*args, "-o", str(tmp_path / "first"), stdout=StringIO())
    assert len(layouts) == 11
    Assessment.objects.filter(project__name="邮寄费").update(outcome="改过的完成情况")
    call_command(*args, "-o", str(tmp_path / "second"), stdout=StringIO())
    assert layouts[11:] == ["邮寄费"]
    first = {p.name: p.read_bytes() for p in (tmp_path / "first").iterdir()}
    second = {p.name: p.read_bytes() for p in (tmp_path / "second").iterdir()}
    assert first.keys() == second.keys()
    changed = [name for name in first if first[name] != second[name]]
    assert changed == ["2022-邮寄费-绩效自评表（草稿）.pdf"]


def test_the_least_recently_used_age_out(monkeypatch):
    monkeypatch.setattr(draft_copies, "KEEP", 2)
    draft_copies.keep("a", b"a")
    draft_copies.keep("b", b"b")
    an_hour_ago = time.time() - 3600
    for age, name in enumerate("ab"):  # both an hour old, "a" the older
        os.utime(draft_copies.folder() / f"{name}.pdf", (an_hour_ago + age, an_hour_ago + age))
    assert draft_copies.kept("a") == b"a"  # used now: "b" is the least recently used
    draft_copies.keep("c", b"c")
    assert sorted(p.name for p in draft_copies.folder().iterdir()) == ["a.pdf", "c.pdf"]


def test_a_cache_that_cannot_be_written_only_costs_the_next_layout(settings, tmp_path, caplog):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    settings.DRAFT_PDF_CACHE_DIR = blocked / "draft-pdf"
    with caplog.at_level(logging.ERROR):
        draft_copies.keep("a", b"pdf")
    assert draft_copies.kept("a") is None
    assert "未能存入缓存" in caplog.text


@pytest.mark.django_db
def test_the_key_follows_the_table_and_the_layout(demo, monkeypatch):
    assessment = draft(demo)
    key = draft_copies.key(printable.printable(assessment))
    assert key == draft_copies.key(printable.printable(assessment))
    assessment.outcome += "。"
    assert key != draft_copies.key(printable.printable(assessment))
    assessment.outcome = assessment.outcome[:-1]
    monkeypatch.setattr(draft_copies.metadata, "version", lambda name: "0-other")
    draft_copies.fingerprint.cache_clear()
    try:
        assert key != draft_copies.key(printable.printable(assessment))
    finally:
        draft_copies.fingerprint.cache_clear()
