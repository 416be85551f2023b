import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from assessments.paper import keys

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

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


@pytest.fixture
def demo(db):
    """The eleven 2022 tables and the demo people, as `make run` loads them."""
    call_command("load_demo", stdout=StringIO())


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The real hasher is slow by design; tests sign people in hundreds of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
