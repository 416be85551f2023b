"""How the code is put together: what importing a module drags in."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow  # a Python process of its own
def test_the_url_configuration_does_not_load_the_pdf_engine():
    """Pages that print nothing start without WeasyPrint; it loads with the first PDF."""
    script = (
        "import os, sys\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
        "import django\n"
        "django.setup()\n"
        "import config.urls\n"
        "from django.urls import get_resolver\n"
        "get_resolver().resolve('/')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'weasyprint')\n"
        "assert not loaded, loaded\n"
        "import assessments.paper.pdf\n"
        "assert 'weasyprint' in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
