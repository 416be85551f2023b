"""Django's SQLite backend, keeping the query planner's statistics current.

SQLite keeps no statistics on a table until ANALYZE runs, and without them it may pick an
index that reads nearly every row: the dashboard's query for the preparer's target-table
offers read all 3,000 tables of a generated database through the index on targets_source
(mostly empty) and took 90 ms instead of 1.5. SQLite's advice is to run PRAGMA optimize
before closing each connection: it runs ANALYZE only on the tables that this connection
queried and whose statistics are missing or outgrown (25 times the rows), reading at most
ANALYSIS_LIMIT rows of each index; otherwise it does nothing, in microseconds.
"""

import logging
import sqlite3

from django.db.backends.sqlite3 import base

logger = logging.getLogger(__name__)

ANALYSIS_LIMIT = 1000
# Statistics are written like any row: if another connection holds the write lock, they
# wait for the next connection rather than hold up the end of this request.
BUSY_MILLISECONDS = 50


class DatabaseWrapper(base.DatabaseWrapper):
    def close(self) -> None:
        closing = not (self.connection is None or self.in_atomic_block or self.is_in_memory_db())
        if closing:
            try:
                self.connection.execute(f"PRAGMA busy_timeout = {BUSY_MILLISECONDS}")
                self.connection.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
                self.connection.execute("PRAGMA optimize")
            except sqlite3.Error as error:
                logger.info("SQLite statistics not refreshed: %s", error)
        super().close()
