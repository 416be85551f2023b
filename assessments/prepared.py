"""Lookups of a fixed shape whose SQL is written once per database connection.

Django builds and compiles a queryset's SQL each time it is evaluated. For the few lookups
nearly every request makes (its session, the signed-in user, her memberships, the table by
its key, the unit's deadlines) that costs several times what the database takes to run the
statement. A Prepared lookup is built once with stand-in keys, compiled once per connection,
and run with the real keys in the stand-ins' places. Everything after the SQL (model
instances, select_related, prefetches, converters) is Django's own, and the answer is a list,
never a queryset that could be chained into a different statement.

Keys are integers or text. An integer outside the stand-ins' range (a 20-digit number in an
address) goes through Django's own query, which answers such a key with no rows; text with a
NUL character in it (a forged cookie) finds no rows without a query.
"""

import copy
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import QuerySet

# Negative, so no row's key is one of them; inside a 32-bit integer column's range, so Django
# compiles a comparison with them rather than answering it as empty.
INTEGER_STAND_INS = (-2_000_000_011, -2_000_000_029, -2_000_000_041)
INTEGER_RANGE = range(-(2**31), 2**31)
# No key is written with a NUL character.
TEXT_STAND_INS = ("\x00stand-in-0", "\x00stand-in-1", "\x00stand-in-2")
# Every prepared lookup, for the test that each is written as Django writes it.
PREPARED: list["Prepared"] = []


def _fits(key: object, kind: type) -> bool:
    if kind is int:
        return type(key) is int and key in INTEGER_RANGE
    return type(key) is str


@dataclass(frozen=True)
class Statement:
    """A lookup compiled on one connection: its queryset built with stand-ins, Django's
    compiler after compiling it (what it selected, for reading the rows), the SQL, and where
    each key goes among the parameters."""

    template: QuerySet
    compiler: Any
    sql: str
    params: tuple
    places: tuple[tuple[int, int], ...]

    def values(self, keys: tuple) -> tuple:
        values = list(self.params)
        for index, number in self.places:
            values[index] = keys[number]
        return tuple(values)

    def rows(self, keys: tuple) -> list:
        """The rows, read as Django reads the queryset's, from a compiler that answers with
        this statement instead of compiling one: the compiler's and the query's own methods
        are replaced on copies that live only for this read."""
        run = copy.copy(self.compiler)
        written = (self.sql, self.values(keys))
        run.as_sql = lambda *args, **kwargs: written
        queryset = self.template.all()
        queryset.query.get_compiler = lambda *args, **kwargs: run  # type: ignore[method-assign]
        return list(queryset)


class Prepared:
    """`build(*keys)` returns the queryset; `Prepared(build)(*keys)` its rows as a list.
    `kinds`: each key's type, int (the default) or str."""

    def __init__(self, build: Callable[..., QuerySet], *kinds: type):
        self._build = build
        count = len(inspect.signature(build).parameters)
        self._kinds = kinds or (int,) * count
        if len(self._kinds) != count or count > len(INTEGER_STAND_INS):
            raise ImproperlyConfigured(f"键的个数或类型不对：{build.__qualname__}")
        self._stand_ins = tuple(
            (INTEGER_STAND_INS if kind is int else TEXT_STAND_INS)[number]
            for number, kind in enumerate(self._kinds)
        )
        self._alias: str | None = None
        PREPARED.append(self)

    def __call__(self, *keys: object) -> list:
        if len(keys) != len(self._kinds):
            raise TypeError(f"{self._build.__qualname__} takes {len(self._kinds)} keys")
        if any(type(key) is str and "\x00" in key for key in keys):
            return []  # PostgreSQL keeps no text with NUL in it (and refuses to compare it)
        if not all(_fits(key, kind) for key, kind in zip(keys, self._kinds, strict=True)):
            return list(self._build(*keys))
        if self._alias is None:
            self._alias = self._build(*self._stand_ins).db
        # Kept on the connection (each thread has its own), and gone with it.
        connection = connections[self._alias]
        statements = connection.__dict__.setdefault("prepared_lookups", {})
        statement = statements.get(self)
        if statement is None:
            statement = self.compile(connection)
            if not self.agrees(statement, keys, connection):
                # Django writes these keys differently (a value its column cannot hold):
                # its own query answers them, and the next keys are tried afresh.
                return list(self._build(*keys))
            statements[self] = statement
        return statement.rows(keys)

    def agrees(self, statement: Statement, keys: tuple, connection) -> bool:
        """Whether Django writes the query for these keys as the stand-ins' statement with
        the keys in their places: checked once per connection, with the first real keys."""
        own = self._build(*keys).query.get_compiler(connection=connection).as_sql()
        return own == (statement.sql, statement.values(keys))

    def compile(self, connection) -> Statement:
        template = self._build(*self._stand_ins)
        compiler = template.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        places = tuple(
            (index, self._stand_ins.index(value))
            for index, value in enumerate(params)
            if type(value) in (int, str) and value in self._stand_ins
        )
        if {number for _, number in places} != set(range(len(self._stand_ins))):
            raise ImproperlyConfigured(
                f"{self._build.__qualname__}：每个键都须作为参数出现在语句中。"
            )
        return Statement(template, compiler, sql, tuple(params), places)
