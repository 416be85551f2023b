"""Stored files: local by default, an S3-compatible store (MinIO) when the environment says so."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Each test starts a Python process of its own.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

SHOW_STORAGE = """
import json, django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
storage = storages["default"]
print(json.dumps({
    "backend": settings.STORAGES["default"]["BACKEND"],
    "class": type(storage).__name__,
    "bucket": getattr(storage, "bucket_name", None),
    "endpoint": getattr(storage, "endpoint_url", None),
    "addressing": getattr(storage, "addressing_style", None),
    "overwrite": getattr(storage, "file_overwrite", None),
    "location": str(getattr(storage, "location", "")),
}))
"""


def storage_for(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env})
    result = subprocess.run(
        [sys.executable, "-c", SHOW_STORAGE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_files_are_stored_under_media_root_by_default(tmp_path):
    storage = storage_for(DJANGO_VAR_DIR=str(tmp_path))
    assert storage["class"] == "FileSystemStorage"
    assert storage["location"] == str(tmp_path / "media")


def test_an_s3_bucket_in_the_environment_switches_to_the_s3_compatible_store(tmp_path):
    storage = storage_for(
        DJANGO_VAR_DIR=str(tmp_path),
        DJANGO_S3_BUCKET="jixiao-files",
        DJANGO_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        DJANGO_S3_ACCESS_KEY="minio",
        DJANGO_S3_SECRET_KEY="minio-secret",
    )
    assert storage["backend"] == "storages.backends.s3.S3Storage"
    assert storage["class"] == "S3Storage"
    assert storage["bucket"] == "jixiao-files"
    assert storage["endpoint"] == "http://127.0.0.1:9000"
    assert storage["addressing"] == "path"
    assert storage["overwrite"] is False
