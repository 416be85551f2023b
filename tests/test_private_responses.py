"""Answers no cache keeps, and the Chinese 404 for an address that names no page."""

import pytest
from django.urls import reverse

from .factories import AssessmentFactory, UnitFactory, UserFactory, member


@pytest.fixture
def preparer_in(client, db):
    unit = UnitFactory()
    client.force_login(member(UserFactory(username="preparer"), unit, "preparer"))
    return client, AssessmentFactory(project__unit=unit)


def test_a_signed_in_page_is_kept_by_no_cache(preparer_in):
    client, _ = preparer_in
    response = client.get(reverse("assessments:list"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_a_download_is_kept_by_no_cache(preparer_in):
    client, assessment = preparer_in
    response = client.get(reverse("assessments:fillable", args=[assessment.pk]))
    assert response.status_code == 200 and response.has_header("Content-Disposition")
    assert "no-store" in response["Cache-Control"]


def test_in_debug_mode_an_unknown_address_gets_the_chinese_404(client, db, settings):
    settings.DEBUG = True
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404 and "页面不存在" in page
    assert "URLconf" not in page and "admin/" not in page


def test_in_debug_mode_a_missing_slash_still_redirects(client, db, settings):
    settings.DEBUG = True
    response = client.get("/accounts/login")
    assert response.status_code == 301 and response.url == "/accounts/login/"
