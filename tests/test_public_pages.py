"""公开 (/gongkai/): published publications without login, nothing unpublished, limited."""

import re
from io import StringIO
from unittest.mock import patch

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import tasks
from assessments.services import publication as publishing

from .bureau_fixtures import desk  # noqa: F401  (a fixture)
from .factories import UserFactory, member
from .pdftools import compact, pdf_text
from .publication_fixtures import prepared, published, second_reviewer  # noqa: F401


@pytest.fixture
def public(desk, second_reviewer):  # noqa: F811
    """甲局 has published its year; 乙局 has one approved but not yet published."""
    shown = published(desk, second_reviewer)
    other = publishing.create_publication(
        desk.departments[1].pk, desk.year.pk, by=desk.people["other_department_reviewer"]
    )
    publishing.submit(other.pk, by=desk.people["other_department_reviewer"])
    approver = member(UserFactory(username="fuzhang_b"), desk.departments[1], "reviewer")
    hidden = publishing.approve(other.pk, by=approver)
    return shown, hidden


def test_public_index_answers_without_login_and_lists_only_published(client, desk, public):  # noqa: F811
    shown, hidden = public

    response = client.get(reverse("public:index"))

    assert response.status_code == 200
    text = response.content.decode()
    assert '<html lang="zh-CN">' in text
    assert "甲局" in text and f'href="{shown.pk}/"' in text
    assert "乙局" not in text and f'href="{hidden.pk}/"' not in text
    assert "<script" not in text and "<style" not in text


def test_public_publication_lists_its_tables_with_verify_links(client, desk, public):  # noqa: F811
    shown, hidden = public

    response = client.get(reverse("public:publication", args=[shown.pk]))

    text = response.content.decode()
    assert response.status_code == 200
    for table in desk.tables[:4]:
        assert table.project.name in text
        assert f"/verify/{table.valid_signature().content_hash}/" in text
    for link in ("publication.pdf", "data.json", "table-01.html", "table-04.html"):
        assert f'href="{link}"' in text
    assert client.get(reverse("public:publication", args=[hidden.pk])).status_code == 404
    assert client.get(f"/gongkai/{hidden.pk}/table-01.html").status_code == 404
    assert client.get(f"/gongkai/{hidden.pk}/data.json").status_code == 404


def test_public_table_page_is_the_signed_table_in_accessible_markup(client, desk, public):  # noqa: F811
    shown, _ = public

    response = client.get(f"/gongkai/{shown.pk}/table-01.html")

    text = response.content.decode()
    assert response.status_code == 200
    assert desk.tables[0].project.name in text
    assert "<caption>" in text and '<th scope="col"' in text
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    for headers in re.findall(r'<td[^>]*\bheaders="([^"]+)"', text):
        assert set(headers.split()) <= ids
    assert "<script" not in text
    assert client.get(f"/gongkai/{shown.pk}/table-9.html").status_code == 404


def test_public_data_file_holds_the_signed_records(client, desk, public):  # noqa: F811
    shown, _ = public

    response = client.get(f"/gongkai/{shown.pk}/data.json")

    assert response.status_code == 200
    records = response.json()["assessments"]
    assert [r["project"] for r in records] == [t.project.name for t in desk.tables[:4]]


def test_public_pages_are_limited_per_address(client, settings, public):
    settings.VERIFY_LIMIT_PER_ADDRESS = (3, 60)
    url = reverse("public:index")
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(url)
    assert response.status_code == 429
    assert client.get(url, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_public_pages_take_no_post(client, public):
    assert client.post(reverse("public:index")).status_code == 405


@pytest.mark.slow
def test_export_public_writes_the_published_pages_as_static_files(desk, public, tmp_path):  # noqa: F811
    shown, hidden = public

    call_command("export_public", "-o", str(tmp_path), stdout=StringIO())

    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert f'href="{shown.pk}/index.html"' in index and "乙局" not in index
    folder = tmp_path / str(shown.pk)
    names = sorted(path.name for path in folder.iterdir())
    assert names == [
        "data.json",
        "index.html",
        "publication.pdf",
        "table-01.html",
        "table-02.html",
        "table-03.html",
        "table-04.html",
    ]
    assert not (tmp_path / str(hidden.pk)).exists()
    assert (folder / "publication.pdf").read_bytes().startswith(b"%PDF")
    page = (folder / "table-01.html").read_text(encoding="utf-8")
    assert 'href="../public.css"' in page and (tmp_path / "public.css").exists()
    assert 'href="index.html"' in page


def test_a_published_correction_names_what_it_replaces(client, desk, public, second_reviewer):  # noqa: F811
    first, _ = public
    reviewer = desk.people["department_reviewer"]
    correction = publishing.correct(first.pk, by=reviewer, reason="宣传费执行数更正")
    publishing.submit(correction.pk, by=reviewer)
    publishing.approve(correction.pk, by=second_reviewer)
    publishing.publish(correction.pk, by=reviewer)

    index = client.get(reverse("public:index")).content.decode()
    assert f'href="{first.pk}/"' in index and f'href="{correction.pk}/"' in index
    new = client.get(reverse("public:publication", args=[correction.pk])).content.decode()
    assert "本版更正第 1 版。更正原因：宣传费执行数更正" in new
    old = client.get(reverse("public:publication", args=[first.pk])).content.decode()
    assert "本版已被第 2 版更正" in old


def test_the_public_pages_take_as_many_queries_for_many_publications(client, desk, public):  # noqa: F811
    _, other = public

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    index, page = queries(reverse("public:index")), queries(f"/gongkai/{public[0].pk}/")
    publishing.publish(other.pk, by=desk.people["other_department_reviewer"])

    assert queries(reverse("public:index")) == index
    assert queries(f"/gongkai/{other.pk}/") == page


@pytest.mark.slow
def test_publishing_queues_the_pdf_which_the_public_page_serves(
    client,
    desk,  # noqa: F811
    second_reviewer,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    publication = prepared(desk)
    reviewer = desk.people["department_reviewer"]
    publishing.submit(publication.pk, by=reviewer)
    publishing.approve(publication.pk, by=second_reviewer)
    with (
        patch("assessments.services.publication.enqueue_pdf") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        publishing.publish(publication.pk, by=reviewer)
    enqueue.assert_called_once_with(publication.pk)

    tasks.build_publication_pdf.call(publication.pk)
    publication.refresh_from_db()
    with publication.pdf.open("rb") as stored:
        content = stored.read()
    response = client.get(f"/gongkai/{publication.pk}/publication.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == content
    assert compact(desk.tables[0].project.name) in compact(pdf_text(content))
