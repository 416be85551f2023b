"""A copy of the migrated SQLite test database, kept beside it (var/) for the next run.

Migrating an empty database takes Django several seconds of rebuilding model states, in every
test process. The result depends only on the migrations of the installed apps and on Django,
so the first run that migrates keeps a copy named after a hash of those, and later runs start
from that copy (and `migrate`, which then finds nothing to apply). A changed, added or removed
migration, another Django or another app list changes the name: that run migrates from scratch
again. PostgreSQL, --reuse-db and --create-db go Django's usual way.
"""

import hashlib
import importlib.util
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import django
from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader


def template_path() -> Path | None:
    """Where the copy of a freshly migrated test database is kept, or None when the test
    database is not a SQLite file."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return None
    test_name = Path(connection.creation._get_test_db_name())
    return test_name.with_name(f"test-template-{_migrations_hash()}.sqlite3")


def _migrations_hash() -> str:
    digest = hashlib.sha256(django.get_version().encode())
    for app in apps.get_app_configs():
        digest.update(f"\0app {app.label}".encode())
        module, _ = MigrationLoader.migrations_module(app.label)
        spec = importlib.util.find_spec(module) if module else None
        for folder in (spec.submodule_search_locations or []) if spec else []:
            for path in sorted(Path(folder).glob("*.py")):
                digest.update(f"\0{path.name}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def copy_into_test_database(template: Path) -> bool:
    """Start the test database as a copy of the template, if there is one."""
    if not template.exists():
        return False
    target = Path(connection.creation._get_test_db_name())
    _remove(target)
    _copy(template, target)
    return True


def keep_as_template(template: Path) -> None:
    """Keep a copy of the test database just migrated (no test has run yet), replacing copies
    made from other migrations."""
    if template.exists():
        return
    for old in template.parent.glob("test-template-*.sqlite3"):
        if old != template:  # another process may have kept this one meanwhile
            _remove(old)
    partial = template.with_name(f"{template.name}.{os.getpid()}.part")
    _remove(partial)
    _copy(Path(connection.settings_dict["NAME"]), partial)
    # Without a write-ahead log of its own, the template is read without writing beside it.
    with closing(sqlite3.connect(partial)) as copy:
        copy.execute("PRAGMA journal_mode=DELETE")
    partial.replace(template)


def remove_test_database() -> None:
    """What Django's teardown does for a database it created (kept databases it leaves)."""
    _remove(Path(connection.settings_dict["NAME"]))


def _copy(source: Path, target: Path) -> None:
    # SQLite's own backup: consistent even while the source is open in WAL mode.
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _remove(path: Path) -> None:
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        name.unlink(missing_ok=True)
