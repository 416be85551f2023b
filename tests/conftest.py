import os
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from .factories import UnitFactory, UserFactory, member

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# The real hasher is slow by design; tests sign people in hundreds of times.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Playwright's sync API keeps an event loop in the test thread; Django's ORM refuses to run
# beside one unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def demo(db):
    """The eleven 2022 tables and the demo people, as `make run` loads them."""
    call_command("load_demo", stdout=StringIO())


@pytest.fixture(scope="session")
def throwaway_db(django_db_setup, django_db_blocker):
    """For module-scoped fixtures that make something slow once (a PDF, a book) for several tests:
    `with throwaway_db():` opens the test database in a transaction rolled back at the end of the
    block, so that no test sees the data it was made from (SQLite and PostgreSQL alike)."""

    @contextmanager
    def rolled_back():
        with (
            override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS),
            django_db_blocker.unblock(),
            transaction.atomic(),
        ):
            yield
            transaction.set_rollback(True)

    return rolled_back


@pytest.fixture
def outsider(db):
    """A preparer of a unit of his own, under a department of its own: he sees no one else's
    tables."""
    return member(UserFactory(username="outsider"), UnitFactory(), "preparer")


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Every test hashes passwords the fast way."""
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS
