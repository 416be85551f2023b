"""Lookups of a fixed shape whose SQL is written once per database connection.

Django builds and compiles a queryset's SQL each time it is evaluated. For the few lookups
nearly every request makes (the signed-in user, her memberships, the table by its key) that
costs several times what the database takes to run the statement. A Prepared lookup is built
once with stand-in keys, compiled once per connection, and run with the real keys in the
stand-ins' places. Everything after the SQL (model instances, select_related, prefetches,
converters) is Django's own, and the answer is a list, never a queryset that could be
chained into a different statement.

Keys are integers: a key outside the stand-ins' range (a 20-digit number in an address)
goes through Django's own query, which answers such a key with no rows.
"""

import copy
import inspect
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import QuerySet

# Negative, so no row's key is one of them; inside a 32-bit integer column's range, so Django
# compiles a comparison with them rather than answering it as empty.
STAND_INS = (-2_000_000_011, -2_000_000_029, -2_000_000_041)
KEY_RANGE = range(-(2**31), 2**31)


class Prepared:
    """`build(*keys)` returns the queryset; `Prepared(build)(*keys)` its rows as a list."""

    def __init__(self, build: Callable[..., QuerySet]):
        self._build = build
        self._count = len(inspect.signature(build).parameters)
        if self._count > len(STAND_INS):
            raise ImproperlyConfigured(f"最多 {len(STAND_INS)} 个键：{build.__qualname__}")
        self._alias: str | None = None

    def __call__(self, *keys: int) -> list:
        if len(keys) != self._count:
            raise TypeError(f"{self._build.__qualname__} takes {self._count} keys")
        if not all(type(key) is int and key in KEY_RANGE for key in keys):
            return list(self._build(*keys))
        if self._alias is None:
            self._alias = self._build(*STAND_INS[: self._count]).db
        # Kept on the connection (each thread has its own), and gone with it.
        connection = connections[self._alias]
        statements = connection.__dict__.setdefault("prepared_lookups", {})
        compiled = statements.get(self)
        if compiled is None:
            compiled = statements[self] = self._compile(connection)
        template, compiler, sql, params, places = compiled
        values = list(params)
        for index, key_number in places:
            values[index] = keys[key_number]
        run = copy.copy(compiler)
        run.as_sql = lambda *args, **kwargs: (sql, tuple(values))
        queryset = template._chain()
        queryset.query.get_compiler = lambda *args, **kwargs: run
        return list(queryset)

    def _compile(self, connection) -> tuple:
        template = self._build(*STAND_INS[: self._count])
        compiler = template.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        places = [
            (index, STAND_INS.index(value))
            for index, value in enumerate(params)
            if type(value) is int and value in STAND_INS[: self._count]
        ]
        if {key_number for _, key_number in places} != set(range(self._count)):
            raise ImproperlyConfigured(
                f"{self._build.__qualname__}：每个键都须作为参数出现在语句中。"
            )
        return template, compiler, sql, params, places
