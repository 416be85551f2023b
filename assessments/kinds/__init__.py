"""The catalogue of table kinds: every kind of table the year has, each declared once.

A kind (`base.TableKind`) says what differs between tables: its steps, its checks, its
words, its paper. Workflow, comments, signing, lists, books, filings and the interchange
are generic and ask `get(assessment.kind)`. A kind registers itself with `@register`; the
two kinds of the application are imported below, so the catalogue is complete on import.
"""

import builtins
from collections.abc import Iterator

from .base import TableKind

_REGISTRY: dict[str, TableKind] = {}

# The kind a table, a list or a file means when it names none: the self-assessment
# (kinds.self_assessment declares it under this name).
DEFAULT = "assessment"


def register[K: type[TableKind]](kind: K) -> K:
    """Add a kind to the catalogue (a class decorator); its `name` is what is stored."""
    if kind.name in _REGISTRY and type(_REGISTRY[kind.name]) is not kind:
        raise ValueError(f"table kind {kind.name!r} is registered twice")
    _REGISTRY[kind.name] = kind()
    return kind


def unregister(name: str) -> None:
    """Take a kind out of the catalogue (a test's own kind, after the test)."""
    _REGISTRY.pop(name, None)


def get(name: str) -> TableKind:
    """The kind stored as `name`; a table of a kind no longer declared is refused loudly."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"unknown table kind {name!r}") from None


def is_known(name: object) -> bool:
    return isinstance(name, str) and name in _REGISTRY


def all() -> Iterator[TableKind]:
    """Every kind, in the order of the year (`order`), then by name."""
    return iter(sorted(_REGISTRY.values(), key=lambda kind: (kind.order, kind.name)))


def names(**attributes: object) -> list[str]:
    """The names of the kinds whose declarations have these attribute values."""
    return [
        kind.name
        for kind in all()
        if builtins.all(getattr(kind, key) == value for key, value in attributes.items())
    ]


def choices() -> list[tuple[str, str]]:
    return [(kind.name, kind.label) for kind in all()]


def default() -> TableKind:
    """The kind a new table, a list or a file without `kind` means: the self-assessment."""
    return get(DEFAULT)


from . import department, self_assessment, targets  # noqa: E402  (they register themselves)

__all__ = [
    "DEFAULT",
    "TableKind",
    "all",
    "choices",
    "default",
    "department",
    "get",
    "is_known",
    "names",
    "register",
    "self_assessment",
    "targets",
    "unregister",
]
