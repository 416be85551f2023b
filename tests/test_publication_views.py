"""The department reviewer's pages of 绩效信息公开: anonymous, outsider, the steps, methods."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from assessments.models import Publication

from .bureau_fixtures import desk  # noqa: F401  (a fixture)
from .publication_fixtures import prepared, second_reviewer  # noqa: F401


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse("assessments:publications"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_an_outsider_does_not_see_the_department_s_publication(client, desk, outsider):  # noqa: F811
    publication = prepared(desk)
    client.force_login(outsider)
    assert client.get(publication.get_absolute_url()).status_code == 404
    response = client.post(reverse("assessments:publication_submit", args=[publication.pk]))
    assert response.status_code == 404
    publication.refresh_from_db()
    assert publication.status == Publication.Status.DRAFT


def test_the_reviewer_prepares_orders_and_submits(client, desk):  # noqa: F811
    reviewer = desk.people["department_reviewer"]
    client.force_login(reviewer)
    page = client.get(reverse("assessments:publications"))
    assert page.status_code == 200 and "准备公开" in page.content.decode()

    response = client.post(
        reverse("assessments:prepare_publication"),
        {"department": desk.departments[0].pk, "year": desk.year.pk, "print_names": "on"},
    )
    publication = Publication.objects.get()
    assert response.status_code == 302 and response.url == publication.get_absolute_url()
    order = list(publication.items.order_by("position").values_list("signature_id", flat=True))

    client.post(
        reverse("assessments:publication_move", args=[publication.pk]), {"move": f"{order[1]}:up"}
    )
    moved = list(publication.items.order_by("position").values_list("signature_id", flat=True))
    assert moved == [order[1], order[0], *order[2:]]
    client.post(
        reverse("assessments:publication_move", args=[publication.pk]),
        {"move": f"{order[3]}:remove"},
    )
    assert publication.items.count() == 3

    page = client.get(publication.get_absolute_url()).content.decode()
    assert "提交公开审核" in page and "批准公开" not in page
    client.post(reverse("assessments:publication_submit", args=[publication.pk]))
    publication.refresh_from_db()
    assert publication.status == Publication.Status.SUBMITTED
    page = client.get(publication.get_absolute_url()).content.decode()
    assert "不能批准自己" in page


def test_a_second_reviewer_approves_and_the_preparer_publishes(client, desk, second_reviewer):  # noqa: F811
    publication = prepared(desk)
    client.force_login(desk.people["department_reviewer"])
    client.post(reverse("assessments:publication_submit", args=[publication.pk]))
    client.force_login(second_reviewer)
    client.post(reverse("assessments:publication_approve", args=[publication.pk]))
    publication.refresh_from_db()
    assert publication.status == Publication.Status.APPROVED

    client.force_login(desk.people["department_reviewer"])
    client.post(reverse("assessments:publication_publish", args=[publication.pk]))
    publication.refresh_from_db()
    assert publication.status == Publication.Status.PUBLISHED

    response = client.post(
        reverse("assessments:publication_correct", args=[publication.pk]), {"reason": "数据更正"}
    )
    correction = Publication.objects.get(replaces=publication)
    assert response.url == correction.get_absolute_url() and correction.version == 2


def test_a_return_without_reason_is_refused_with_a_message(client, desk, second_reviewer):  # noqa: F811
    publication = prepared(desk)
    client.force_login(desk.people["department_reviewer"])
    client.post(reverse("assessments:publication_submit", args=[publication.pk]))
    client.force_login(second_reviewer)
    response = client.post(
        reverse("assessments:publication_return", args=[publication.pk]),
        {"reason": ""},
        follow=True,
    )
    assert "请填写退回原因" in response.content.decode()
    publication.refresh_from_db()
    assert publication.status == Publication.Status.SUBMITTED


def test_the_steps_take_no_get(client, desk):  # noqa: F811
    publication = prepared(desk)
    client.force_login(desk.people["department_reviewer"])
    for name in ("publication_submit", "publication_approve", "publication_publish"):
        assert client.get(reverse(f"assessments:{name}", args=[publication.pk])).status_code == 405


def test_the_final_accounts_date_is_recorded_from_the_page(client, desk):  # noqa: F811
    client.force_login(desk.people["department_reviewer"])
    response = client.post(
        reverse("assessments:final_accounts"),
        {
            "accounts-department": desk.departments[0].pk,
            "accounts-year": desk.year.pk,
            "accounts-approved_on": "2023-07-10",
        },
        follow=True,
    )
    assert "应于 2023-07-30 前公开" in response.content.decode()
    response = client.post(
        reverse("assessments:final_accounts"),
        {
            "accounts-department": desk.departments[0].pk,
            "accounts-year": desk.year.pk,
            "accounts-approved_on": "七月",
        },
        follow=True,
    )
    assert "请输入日期" in response.content.decode()


@pytest.mark.slow
def test_the_preview_shows_a_table_as_it_will_be_published(client, desk):  # noqa: F811
    publication = prepared(desk)
    client.force_login(desk.people["department_reviewer"])

    page = client.get(
        reverse("assessments:publication_preview_table", args=[publication.pk, 1])
    ).content.decode()
    assert desk.tables[0].project.name in page and '<html lang="zh-CN">' in page
    pdf = client.get(reverse("assessments:publication_preview", args=[publication.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    missing = reverse("assessments:publication_preview_table", args=[publication.pk, 99999])
    assert client.get(missing).status_code == 404


def test_the_admin_reads_publications_and_their_log_without_changing_them(client, desk):  # noqa: F811
    publication = prepared(desk)
    admin = get_user_model().objects.create_superuser("root", password="pass-word-123")
    client.force_login(admin)
    for model in ("publication", "publicationevent"):
        page = client.get(reverse(f"admin:assessments_{model}_changelist"))
        assert page.status_code == 200
    delete = reverse("admin:assessments_publication_delete", args=[publication.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Publication.objects.filter(pk=publication.pk).exists()
