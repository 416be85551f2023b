"""A web server's process (config.wsgi) starts with every page's code loaded and set aside
from garbage collection, as commands do (manage.py): a request's collections then walk only
the objects requests make, not Django's, the views' and the libraries'."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CODE = """
import gc, sys
import config.wsgi
print(gc.isenabled(), gc.get_freeze_count(), "assessments.views.wizard" in sys.modules)
gc.collect()
print(len(gc.get_objects()))
"""


def test_the_web_process_sets_its_start_aside_from_collection():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", CODE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    enabled, frozen, views = result.stdout.split("\n")[0].split()
    collectable = int(result.stdout.split("\n")[1])
    assert enabled == "True"  # collection is on again for what requests make
    assert views == "True"  # the URLconf's views were loaded before the freeze
    # Nearly everything the start made is frozen; what a full collection still walks is a
    # small remainder.
    assert int(frozen) > 50_000
    assert collectable < int(frozen) / 10
