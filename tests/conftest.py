import os
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings

from assessments.trust import keys

from . import bureau_fixtures
from . import migrated_template as migrated_template_
from .database import restore_rows, rows_added, suite_roles
from .factories import UnitFactory, UserFactory, member

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# The real hasher is slow by design; tests sign people in hundreds of times.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Playwright's sync API keeps an event loop in the test thread; Django's ORM refuses to run
# beside one unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session", autouse=True)
def signing_key_file(tmp_path_factory):
    """Every test signs with one key file of its own, as `make run` creates in var/."""
    path = tmp_path_factory.mktemp("keys") / "signing-key.pem"
    keys.write_key_file(path, retired=[], common_name="绩效自评 测试")
    with override_settings(SIGNING_KEY_FILE=path):
        yield path


@pytest.fixture(scope="session", autouse=True)
def draft_pdf_cache(tmp_path_factory):
    """Drafts' kept PDFs go to a folder of the run's own, never to var/."""
    with override_settings(DRAFT_PDF_CACHE_DIR=tmp_path_factory.mktemp("draft-pdf")):
        yield


@pytest.fixture(autouse=True)
def draft_pdf_cache_of_the_test(settings, tmp_path_factory):
    """Each test starts with no kept draft PDF: what it lays out, it lays out."""
    settings.DRAFT_PDF_CACHE_DIR = tmp_path_factory.mktemp("draft-pdf")


@pytest.fixture(scope="session")
def migrated_template(request, django_db_modify_db_settings, django_db_createdb):
    """Where the copy of a migrated SQLite test database is kept (tests/migrated_template.py),
    and whether this run starts from it; None when Django's usual way is taken."""
    keep = request.config.getvalue("reuse_db")
    path = None if keep or django_db_createdb else migrated_template_.template_path()
    if path is None:
        return None
    return path, migrated_template_.copy_into_test_database(path)


@pytest.fixture(scope="session")
def django_db_keepdb(django_db_keepdb, migrated_template):
    """A test database copied from the template is used as it is (`migrate` applies nothing)."""
    return django_db_keepdb or bool(migrated_template and migrated_template[1])


@pytest.fixture(scope="session")
def django_db_setup(migrated_template, django_db_setup):
    """The test database, migrated as its owner; on PostgreSQL with DATABASE_RUNTIME_ROLE set,
    the tests then run as the application's role (tests/database.py)."""
    if migrated_template and not migrated_template[1]:
        migrated_template_.keep_as_template(migrated_template[0])
    with suite_roles():
        yield
    if migrated_template and migrated_template[1]:
        connection.close()
        migrated_template_.remove_test_database()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """A test that takes what a module or session fixture made in the throwaway database needs
    the test database even if it queries nothing itself."""
    for item in items:
        uses_throwaway_db = "throwaway_db" in getattr(item, "fixturenames", ())
        if uses_throwaway_db and not item.get_closest_marker("django_db"):
            item.add_marker(pytest.mark.django_db)


@pytest.fixture
def demo(db, demo_rows):
    """The eleven 2022 tables and the demo people, as `make run` loads them.

    `load_demo` runs once per session (demo_rows); each test gets a copy of the rows it made,
    which is several times quicker than loading the demo again."""
    restore_rows(demo_rows)


@pytest.fixture(scope="session")
def demo_rows(throwaway_db):
    """What `load_demo` adds to the database, model by model in the order of the models."""
    with throwaway_db():
        _, added = rows_added(lambda: call_command("load_demo", stdout=StringIO()))
    return added


@pytest.fixture(scope="session")
def desk_rows(throwaway_db):
    """The finance bureau of bureau_fixtures.desk and the rows it is made of."""
    with throwaway_db():
        return rows_added(bureau_fixtures.make_desk)


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
def people(db, outsider):
    """The named people of a unit: its preparer, its reviewer, the reviewer of its department,
    the outsider of another unit, and an administrator."""
    unit = UnitFactory(name="社会保障服务中心")
    return {
        "unit": unit,
        "preparer": member(
            UserFactory(username="preparer", email="p@example.gov.cn"), unit, "preparer"
        ),
        "reviewer": member(
            UserFactory(username="reviewer", email="r@example.gov.cn"), unit, "reviewer"
        ),
        "department": member(
            UserFactory(username="department", email="d@example.gov.cn"), unit.parent, "reviewer"
        ),
        "outsider": outsider,
        "admin": UserFactory(
            username="admin", email="a@example.gov.cn", is_superuser=True, is_staff=True
        ),
    }


@pytest.fixture
def media(settings, tmp_path):
    """Stored files (signed PDFs, books, packages) go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Every test hashes passwords the fast way."""
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture
def duty_groups(db):
    """The three administrator duties as migration 0016_auth_duties makes them: a transactional
    test's flush empties the groups that migrations made, so tests that need them ask here."""
    from django.contrib.auth.models import Group, Permission

    from assessments import duties

    groups = {}
    for name, labels in duties.PERMISSIONS.items():
        groups[name], _ = Group.objects.get_or_create(name=name)
        for label in labels:
            app_label, codename = label.split(".")
            groups[name].permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    return groups
