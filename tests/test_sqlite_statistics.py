"""The SQLite backend (config.sqlite) leaves the query planner statistics on the tables a
connection used, so that SQLite stops choosing an index that reads every row."""

import sqlite3

from django.db import connections

from config.sqlite.base import DatabaseWrapper

# Nearly every row has no `source` (as most tables have no targets_source): without
# statistics SQLite takes the index on `source` for `source IS NULL` and reads them all.
SCHEMA = """
CREATE TABLE project (id INTEGER PRIMARY KEY, unit INTEGER NOT NULL);
CREATE INDEX project_unit ON project (unit);
CREATE TABLE item (id INTEGER PRIMARY KEY, project INTEGER NOT NULL, source INTEGER);
CREATE INDEX item_project ON item (project);
CREATE INDEX item_source ON item (source);
"""
QUERY = (
    "SELECT item.id FROM item JOIN project ON item.project = project.id"
    " WHERE project.unit = 7 AND item.source IS NULL"
)


def plan(connection):
    return " ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {QUERY}"))


def test_closing_a_connection_leaves_statistics_for_the_tables_it_queried(
    tmp_path, django_db_blocker
):
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.executescript(SCHEMA)
        raw.executemany("INSERT INTO project (unit) VALUES (?)", [(n % 100,) for n in range(2000)])
        raw.executemany(
            "INSERT INTO item (project, source) VALUES (?, NULL)",
            [(n % 2000 + 1,) for n in range(20000)],
        )
        assert "item_source" in plan(raw)
    # The project's settings (PostgreSQL's in CI), as a SQLite database of its own.
    settings = {**connections.databases["default"], "NAME": str(path), "OPTIONS": {}}
    wrapper = DatabaseWrapper(settings, alias="statistics")
    with django_db_blocker.unblock():  # a database of the test's own, not the test database
        with wrapper.cursor() as cursor:
            cursor.execute(QUERY)
            cursor.fetchall()
        wrapper.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'item'").fetchone()[0]
        assert "item_source" not in plan(raw)
        assert "project_unit" in plan(raw)
