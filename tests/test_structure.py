"""How the code is put together: what importing a module drags in, what the code cites."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow  # a Python process of its own
def test_the_url_configuration_does_not_load_the_pdf_engine():
    """Pages that print nothing start without WeasyPrint, nor does a page that queues a task
    (services.background imports the tasks), nor what serves a stored signed copy or a kept
    draft, or hands drafts to the layout workers (paper.stored), nor what binds a book and
    draws its front matter (paper.book_pdf); it loads with the first PDF laid out."""
    script = (
        "import os, sys\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
        "import django\n"
        "django.setup()\n"
        "import config.urls\n"
        "from django.urls import get_resolver\n"
        "get_resolver().resolve('/')\n"
        "import assessments.tasks\n"
        "import assessments.paper.stored\n"
        "import assessments.paper.book_pdf\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'weasyprint')\n"
        "assert not loaded, loaded\n"
        "import assessments.paper.pdf\n"
        "assert 'weasyprint' in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.slow  # a Python process of its own
def test_the_commands_load_the_pdf_engine_only_when_they_make_a_pdf():
    """`manage.py export_pdf --help`, or an export that finds nothing, starts without
    WeasyPrint (two seconds of imports); the benchmark, which makes PDFs throughout, aside."""
    script = (
        "import os, pkgutil, sys\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
        "import django\n"
        "django.setup()\n"
        "from django.core.management import load_command_class\n"
        "import assessments.management.commands as commands\n"
        "names = [m.name for m in pkgutil.iter_modules(commands.__path__)]\n"
        "assert 'export_pdf' in names, names\n"
        "for name in names:\n"
        "    if not name.startswith('_') and name != 'bench_pdf':\n"
        "        load_command_class('assessments', name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'weasyprint')\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


CITING = ["assessments", "config", "templates", "tests", "static/js", "static/css"]
DOCUMENT = re.compile(r"(?<![\w/.])(?:docs/)?([a-z][a-z-]*\.md)(?: (§\d+)(?:–(§\d+))?)?")


def cited_documents():
    """(file, document, sections) for every docs/….md the code, templates and tests cite."""
    for folder in CITING:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in {".py", ".html", ".js", ".css"} or "migrations" in path.parts:
                continue
            for match in DOCUMENT.finditer(path.read_text(encoding="utf-8")):
                name, *sections = match.groups()
                yield path.relative_to(ROOT), name, [s for s in sections if s]


def test_every_document_the_code_cites_exists_with_the_cited_section():
    cited = list(cited_documents())
    assert any(name == "domain.md" for _, name, _ in cited)
    for path, name, sections in cited:
        document = ROOT / "docs" / name
        assert document.exists(), f"{path} cites docs/{name}"
        headings = re.findall(r"^## (\d+)\.", document.read_text(encoding="utf-8"), re.M)
        for section in sections:
            assert section[1:] in headings, f"{path} cites docs/{name} {section}"
